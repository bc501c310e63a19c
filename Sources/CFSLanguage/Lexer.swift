/// Turns script bytes into commands of words, sh-style (README, "The language"):
///
/// - blanks (space, tab) split words; `;` and newlines end commands; `#` at the start
///   of a word comments out the rest of the line; a trailing `\` continues the line;
/// - `'single'` quotes are literal; `"double"` quotes expand `$` and take `\"` `\\` `\$`
///   (other backslashes stay, as in sh); outside quotes `\` escapes the next character;
///   quotes may span lines, as in sh;
/// - `$NAME`, `${NAME}`, `${NAME:-default}` (default used when unset or empty, taken
///   literally), `$0`…`$9`, `${10}`, `$#`; an unset variable without default is an
///   error at its `$`; a leading unquoted `~` or `~/` is the home directory;
/// - CRLF line ends read as LF; a NUL byte or invalid UTF-8 is an error at its byte.
///   Unquoted `|`, `&`, `<`, `>` are errors (cfsh has no pipes or redirections).
///
/// One pass, no backtracking: linear in the input.
struct Lexer {
    private let bytes: [UInt8]
    private let file: String
    private let context: ExpansionContext
    private var i = 0
    private var line = 1
    private var lineStart = 0
    private var error: Diagnostic?

    init(_ bytes: [UInt8], file: String, context: ExpansionContext) {
        self.bytes = bytes
        self.file = file
        self.context = context
    }

    private var here: SourceLocation {
        SourceLocation(file: file, line: line, column: i - lineStart + 1)
    }

    private func byte(_ offset: Int) -> UInt8? {
        i + offset < bytes.count ? bytes[i + offset] : nil
    }

    /// `\n`, or `\r\n`, or a `\r` ending the input: the length of the line end at i + offset.
    private func lineEnd(_ offset: Int = 0) -> Int? {
        switch byte(offset) {
        case UInt8(ascii: "\n"): return 1
        case UInt8(ascii: "\r"):
            let next = byte(offset + 1)
            if next == UInt8(ascii: "\n") { return 2 }
            return next == nil ? 1 : nil
        default: return nil
        }
    }

    private mutating func takeLineEnd(_ length: Int) {
        i += length
        line += 1
        lineStart = i
    }

    private mutating func fail(_ message: String, at location: SourceLocation, fix: String? = nil) {
        if error == nil { error = Diagnostic(message, at: location, fix: fix) }
    }

    /// The next command, or nil at the end of the input.
    mutating func next() -> LexedCommand? {
        var words = List<Word>()
        error = nil
        while true {
            while let b = byte(0), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { i += 1 }
            guard let b = byte(0) else { break }
            if let n = lineEnd() {
                takeLineEnd(n)
                if !words.isEmpty || error != nil { break }
                continue
            }
            if b == UInt8(ascii: ";") {
                i += 1
                if !words.isEmpty || error != nil { break }
                continue
            }
            if b == UInt8(ascii: "#") {
                while let c = byte(0), c != UInt8(ascii: "\n") { i += 1 }
                continue
            }
            if b == UInt8(ascii: "\\"), let n = lineEnd(1) {
                i += 1
                takeLineEnd(n)
                continue
            }
            words.append(lexWord())
        }
        if words.isEmpty && error == nil { return nil }
        return LexedCommand(words: words, error: error)
    }

    private func isWordEnd(_ offset: Int) -> Bool {
        guard let b = byte(offset) else { return true }
        return b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: ";")
            || lineEnd(offset) != nil
    }

    private mutating func lexWord() -> Word {
        let start = here
        // Fast path: most words are plain ASCII from end to end; no buffer needed.
        if bytes[i] != UInt8(ascii: "~") {
            var j = i
            while j < bytes.count && Lexer.isPlain(bytes[j]) { j += 1 }
            let saved = i
            i = j
            if isWordEnd(0) {
                return Word(String(decoding: bytes[saved..<j], as: UTF8.self), at: start)
            }
            i = saved
        }
        var buf: [UInt8] = []
        var quoted = false
        if byte(0) == UInt8(ascii: "~") && (isWordEnd(1) || byte(1) == UInt8(ascii: "/")) {
            if let home = context.home {
                buf += home.utf8
            } else {
                fail("'~' needs a home directory, and none is known", at: here,
                     fix: "write the path in full, or quote '~' to mean the character")
            }
            i += 1
        }
        while let b = byte(0), !isWordEnd(0) {
            switch b {
            case UInt8(ascii: "\\"):
                if let n = lineEnd(1) {
                    i += 1
                    takeLineEnd(n)
                } else if byte(1) == nil {
                    buf.append(b)
                    i += 1
                } else {
                    quoted = true
                    i += 1
                    literal(&buf)
                }
            case UInt8(ascii: "'"):
                quoted = true
                singleQuoted(&buf)
            case UInt8(ascii: "\""):
                quoted = true
                doubleQuoted(&buf)
            case UInt8(ascii: "$"):
                expand(&buf)
            case UInt8(ascii: "|"), UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"):
                let c = Character(Unicode.Scalar(b))
                fail("'\(c)' is not supported: cfsh has no pipes, background jobs or redirections",
                     at: here, fix: "quote it ('\(c)') to pass it as text")
                buf.append(b)
                i += 1
            default:
                // Fast path: a run of ASCII bytes that mean nothing to the lexer.
                var j = i
                while j < bytes.count && Lexer.isPlain(bytes[j]) { j += 1 }
                if j > i {
                    buf.append(contentsOf: bytes[i..<j])
                    i = j
                } else {
                    literal(&buf)
                }
            }
        }
        return Word(String(decoding: buf, as: UTF8.self), at: start, quoted: quoted)
    }

    /// ASCII other than NUL, blanks, line ends and `; \\ ' " $ | & < >`.
    private static func isPlain(_ b: UInt8) -> Bool {
        switch b {
        case 0, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x24, 0x26, 0x27, 0x3B, 0x3C, 0x3E, 0x5C, 0x7C: return false
        default: return b < 0x80
        }
    }

    private mutating func singleQuoted(_ buf: inout [UInt8]) {
        let open = here
        i += 1
        while let b = byte(0) {
            if b == UInt8(ascii: "'") {
                i += 1
                return
            }
            if b == UInt8(ascii: "\n") {
                buf.append(b)
                takeLineEnd(1)
            } else {
                literal(&buf)
            }
        }
        fail("unterminated single quote", at: open, fix: "add the closing '")
    }

    private mutating func doubleQuoted(_ buf: inout [UInt8]) {
        let open = here
        i += 1
        while let b = byte(0) {
            switch b {
            case UInt8(ascii: "\""):
                i += 1
                return
            case UInt8(ascii: "\\"):
                let next = byte(1)
                if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") || next == UInt8(ascii: "$") {
                    buf.append(next!)
                    i += 2
                } else if let n = lineEnd(1) {
                    i += 1
                    takeLineEnd(n)
                } else {
                    buf.append(b)
                    i += 1
                }
            case UInt8(ascii: "$"):
                expand(&buf)
            case UInt8(ascii: "\n"):
                buf.append(b)
                takeLineEnd(1)
            default:
                literal(&buf)
            }
        }
        fail("unterminated double quote", at: open, fix: "add the closing \"")
    }

    /// One literal character at i: an ASCII byte or a whole UTF-8 sequence.
    private mutating func literal(_ buf: inout [UInt8]) {
        let b = bytes[i]
        if b == 0 {
            fail("NUL byte in script", at: here)
            i += 1
        } else if b < 0x80 {
            buf.append(b)
            i += 1
        } else if let n = utf8SequenceLength(bytes, at: i) {
            buf += bytes[i..<i + n]
            i += n
        } else {
            fail("invalid UTF-8 (byte 0x\(hex(b))): scripts are UTF-8 text", at: here)
            i += 1
        }
    }

    // MARK: - $ expansion

    private static func isNameStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
    }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    private static func isNameChar(_ b: UInt8) -> Bool { isNameStart(b) || isDigit(b) }

    private mutating func expand(_ buf: inout [UInt8]) {
        let dollar = here
        guard let b = byte(1) else {
            buf.append(UInt8(ascii: "$"))
            i += 1
            return
        }
        if b == UInt8(ascii: "{") {
            braced(&buf, dollar: dollar)
        } else if Lexer.isNameStart(b) {
            i += 1
            let s = i
            while let c = byte(0), Lexer.isNameChar(c) { i += 1 }
            let name = String(decoding: bytes[s..<i], as: UTF8.self)
            substitute(name, default: nil, into: &buf, at: dollar)
        } else if Lexer.isDigit(b) || b == UInt8(ascii: "#") {
            i += 2
            substitute(String(Unicode.Scalar(b)), default: nil, into: &buf, at: dollar)
        } else if "?$@*!-".utf8.contains(b) {
            let c = Character(Unicode.Scalar(b))
            fail("'$\(c)' is not supported by cfsh", at: dollar,
                 fix: "to mean the text, write '\\$\(c)' or quote it with single quotes")
            i += 2
        } else {
            // As in sh, a `$` that starts no expansion is itself.
            buf.append(UInt8(ascii: "$"))
            i += 1
        }
    }

    /// `${NAME}`, `${NAME:-default}`, `${1}`, `${#}`. The default is literal text.
    private mutating func braced(_ buf: inout [UInt8], dollar: SourceLocation) {
        i += 2
        let s = i
        if byte(0) == UInt8(ascii: "#") {
            i += 1
        } else if let c = byte(0), Lexer.isDigit(c) {
            while let c = byte(0), Lexer.isDigit(c) { i += 1 }
        } else {
            while let c = byte(0), Lexer.isNameChar(c) { i += 1 }
        }
        let name = String(decoding: bytes[s..<i], as: UTF8.self)
        var fallback: [UInt8]?
        if byte(0) == UInt8(ascii: ":") && byte(1) == UInt8(ascii: "-") {
            i += 2
            var d: [UInt8] = []
            while let c = byte(0), c != UInt8(ascii: "}"), c != UInt8(ascii: "\n") { literal(&d) }
            fallback = d
        }
        guard byte(0) == UInt8(ascii: "}"), !name.isEmpty else {
            fail("bad substitution: expected ${NAME} or ${NAME:-default}", at: dollar)
            // Skip to the closing brace on this line, if any, to resynchronise.
            while let c = byte(0), c != UInt8(ascii: "}"), lineEnd() == nil { i += 1 }
            if byte(0) == UInt8(ascii: "}") { i += 1 }
            return
        }
        i += 1
        substitute(name, default: fallback, into: &buf, at: dollar)
    }

    private mutating func substitute(
        _ name: String, default fallback: [UInt8]?, into buf: inout [UInt8], at dollar: SourceLocation
    ) {
        let value = lookup(name)
        if let fallback, value?.isEmpty ?? true {
            buf += fallback
        } else if let value {
            buf += value.utf8
        } else if let first = name.utf8.first, Lexer.isDigit(first) {
            let n = context.arguments.count
            fail("'$\(name)' is not set: the script got \(n) argument\(n == 1 ? "" : "s")",
                 at: dollar, fix: "pass it after the script name, or write ${\(name):-default}")
        } else {
            fail("variable \(quoted(name)) is not set", at: dollar,
                 fix: "set it in the environment, or write ${\(name):-default}")
        }
    }

    private func lookup(_ name: String) -> String? {
        if name == "#" { return String(context.arguments.count) }
        if let first = name.utf8.first, Lexer.isDigit(first) {
            guard name.utf8.count < 10, let n = Int(name) else { return nil }
            if n == 0 { return context.scriptName }
            return n <= context.arguments.count ? context.arguments[n - 1] : nil
        }
        return context.environmentValue(name)
    }
}

/// The length of the valid UTF-8 sequence starting at `i`, or nil (RFC 3629: no
/// overlongs, no surrogates, nothing above U+10FFFF).
func utf8SequenceLength(_ b: [UInt8], at i: Int) -> Int? {
    let lead = b[i]
    func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
        i + k < b.count && b[i + k] >= lo && b[i + k] <= hi
    }
    switch lead {
    case 0x00...0x7F: return 1
    case 0xC2...0xDF: return cont(1) ? 2 : nil
    case 0xE0: return cont(1, 0xA0) && cont(2) ? 3 : nil
    case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : nil
    case 0xED: return cont(1, 0x80, 0x9F) && cont(2) ? 3 : nil
    case 0xF0: return cont(1, 0x90) && cont(2) && cont(3) ? 4 : nil
    case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : nil
    case 0xF4: return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : nil
    default: return nil
    }
}

func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}
