/// One error or warning, with where it is and, when there is one, how to fix it. A
/// value: the lexer, parser, plan builder and lint (Lint.swift) return these; `render`
/// turns one into text.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String
    /// A one-line fix, e.g. "add 'unshare uts' before this line: without it, it would
    /// rename the host". Rendered as a `note:` line.
    public var fix: String?
    /// For a kernel error: which of the man page's causes holds here, with its fix, as
    /// the engine found it (Sandbox/KernelErrors.swift). Rendered as a `note:` line.
    public var cause: String?
    public var severity: Severity

    /// An error stops the text from running (exit 2); a warning never stops a run nor
    /// changes an exit status (`set lint off` silences warnings).
    public enum Severity: String, Sendable, Equatable {
        case error, warning
    }

    public init(_ message: String, at location: SourceLocation, fix: String? = nil, cause: String? = nil,
                severity: Severity = .error) {
        self.location = location
        self.message = message
        self.fix = fix
        self.cause = cause
        self.severity = severity
    }

    public init(location: SourceLocation, message: String, fix: String? = nil) {
        self.init(message, at: location, fix: fix)
    }

    public var isWarning: Bool { severity == .warning }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Renders clang-style:
///
///     FILE:LINE:COL: error: MESSAGE      (or `warning:`)
///     <source line>
///           ^
///     FILE:LINE:COL: note: FIX
///
/// A kernel error's cause is a `note:` line too, before the fix.
/// `sourceLine` is the text of the line (nil when unknown: no source and caret lines).
/// Very long lines are shown as a window around the column.
public func render(_ d: Diagnostic, sourceLine: String?) -> String {
    String(decoding: renderedBytes(d, sourceLine: sourceLine), as: UTF8.self)
}

/// `render`'s text as UTF-8 bytes, which the shell writes as they are. Built as bytes,
/// not by adding Strings: the parent prints a script's warnings before its sandbox
/// starts, and the first String of 64 bytes or more a process frees makes the standard
/// library destroy its breadcrumbs through the runtime, which demangles and builds
/// `_StringBreadcrumbs?` (issue 13: about 35,000 instructions on every start with a
/// warning). A byte list is freed without asking the runtime anything.
public func renderedBytes(_ d: Diagnostic, sourceLine: String?) -> List<UInt8> {
    var out = List<UInt8>()
    func line(_ label: String, _ text: String) {
        d.location.appendText(to: &out)
        out.append(contentsOf: label.utf8)
        out.append(contentsOf: text.utf8)
        out.append(UInt8(ascii: "\n"))
    }
    line(d.severity == .error ? ": error: " : ": warning: ", d.message)
    if let sourceLine { appendCaretLines(sourceLine, column: d.location.column, to: &out) }
    if let cause = d.cause { line(": note: ", cause) }
    if let fix = d.fix { line(": note: ", fix) }
    return out
}

/// The line to show and, under it, the caret. Columns count bytes; the padding counts
/// characters, Unicode scalars (keeping tabs), so the caret lands under the right
/// character. A String's UTF-8 is valid, and the window is not cut inside a sequence,
/// so the bytes are shown as they are.
private func appendCaretLines(_ line: String, column: Int, to out: inout List<UInt8>) {
    var line = line
    line.withUTF8 { bytes in
        let col = max(0, min(column - 1, bytes.count))
        let window = 80
        var start = 0
        var end = bytes.count
        if bytes.count > 2 * window {
            start = max(0, col - window)
            end = min(bytes.count, col + window)
            // Do not cut a UTF-8 sequence in half.
            while start > 0 && start < bytes.count && bytes[start] & 0xC0 == 0x80 { start -= 1 }
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        }
        let dots = UInt8(ascii: ".")
        if start > 0 { for _ in 0..<3 { out.append(dots) } }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<end]))
        if end < bytes.count { for _ in 0..<3 { out.append(dots) } }
        out.append(UInt8(ascii: "\n"))
        if start > 0 { for _ in 0..<3 { out.append(UInt8(ascii: " ")) } }
        var iterator = UnsafeBufferPointer(rebasing: bytes[start..<max(start, col)]).makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): out.append(scalar == "\t" ? UInt8(ascii: "\t") : UInt8(ascii: " "))
            case .error: out.append(UInt8(ascii: " "))  // not in a String's UTF-8
            case .emptyInput: break decoding
            }
        }
        out.append(UInt8(ascii: "^"))
        out.append(UInt8(ascii: "\n"))
    }
}

/// A word as messages show it: in single quotes, control characters escaped (`\n`,
/// `\t`, `\u{1B}`), cut after 60 characters, so one message stays one short line
/// even for a 1 MB word.
func quoted<S: StringProtocol>(_ text: S) -> String {
    var out = "'"
    var count = 0
    for scalar in text.unicodeScalars {
        if count == 60 {
            out += "…"
            break
        }
        count += 1
        switch scalar {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{" + hex(UInt8(scalar.value)) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}
