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
    var out = "\(d.location): \(d.severity.rawValue): \(d.message)\n"
    if let sourceLine {
        let (shown, caretPad) = caretLine(sourceLine, column: d.location.column)
        out += shown + "\n" + caretPad + "^\n"
    }
    if let cause = d.cause {
        out += "\(d.location): note: \(cause)\n"
    }
    if let fix = d.fix {
        out += "\(d.location): note: \(fix)\n"
    }
    return out
}

/// The line to show and the padding before the caret. Columns count bytes; the padding
/// counts characters (keeping tabs) so the caret lands under the right character.
private func caretLine(_ line: String, column: Int) -> (String, String) {
    let bytes = Array(line.utf8)
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
    let prefixMark = start > 0 ? "..." : ""
    let suffixMark = end < bytes.count ? "..." : ""
    let shown = prefixMark + String(decoding: bytes[start..<end], as: UTF8.self) + suffixMark
    var pad = String(repeating: " ", count: prefixMark.count)
    for scalar in String(decoding: bytes[start..<max(start, col)], as: UTF8.self).unicodeScalars {
        pad.append(scalar == "\t" ? "\t" : " ")
    }
    return (shown, pad)
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
