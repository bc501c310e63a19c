/// A lexed and parsed script: its commands (those without errors), the errors, and its
/// lines for rendering carets.
public struct ParsedScript: Sendable {
    public var commands: List<Command>
    public var diagnostics: List<Diagnostic>
    /// Source lines without their line ends (CR of CRLF dropped; invalid UTF-8 shown
    /// as U+FFFD). `lines[n - 1]` is line n.
    public var lines: [String]

    public init(commands: List<Command>, diagnostics: List<Diagnostic>, lines: [String]) {
        self.commands = commands
        self.diagnostics = diagnostics
        self.lines = lines
    }

    /// The text of a diagnostic's line, for `render`.
    public func sourceLine(of d: Diagnostic) -> String? {
        lines.indices.contains(d.location.line - 1) ? lines[d.location.line - 1] : nil
    }
}

/// The most errors reported for one script; then one "too many errors" and stop.
public let maxDiagnostics = 20

/// Lex and parse a whole script. Never traps, linear time. A command with an error is
/// reported and skipped; parsing resumes at the next command (`;` or line end).
public func parseScript(_ bytes: [UInt8], file: String, context: ExpansionContext) -> ParsedScript {
    var lexer = Lexer(bytes, file: file, context: context)
    var commands = List<Command>()
    var diagnostics = List<Diagnostic>()
    while let lexed = lexer.next() {
        let problem: Diagnostic?
        if let error = lexed.error {
            problem = error
        } else {
            do {
                let kind = try Parser.parse(lexed.words)
                commands.append(Command(kind, at: lexed.words[0].location))
                problem = nil
            } catch {
                problem = error
            }
        }
        if let problem {
            if diagnostics.count == maxDiagnostics {
                diagnostics.append(Diagnostic("too many errors (more than \(maxDiagnostics)); stopping here",
                                              at: problem.location))
                break
            }
            diagnostics.append(problem)
        }
    }
    return ParsedScript(commands: commands, diagnostics: diagnostics, lines: splitLines(bytes))
}

func splitLines(_ bytes: [UInt8]) -> [String] {
    var lines: [String] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
        lines.append(lineText(bytes[start..<i]))
        start = i + 1
    }
    if start < bytes.count { lines.append(lineText(bytes[start...])) }
    return lines
}

private func lineText(_ s: ArraySlice<UInt8>) -> String {
    let trimmed = s.last == UInt8(ascii: "\r") ? s.dropLast() : s
    return String(decoding: trimmed, as: UTF8.self)
}
