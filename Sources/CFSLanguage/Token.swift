/// One word of a command after quoting and expansion: `a"b"'c'` is the word `abc`.
/// Expansions never split a word in two (unlike sh, `$X` and `"$X"` are the same).
public struct Word: Sendable, Equatable {
    public var text: String
    /// Where the word's first character (or its opening quote) is.
    public var location: SourceLocation
    /// Whether any part was quoted or escaped.
    public var quoted: Bool
    public init(_ text: String, at location: SourceLocation, quoted: Bool = false) {
        self.text = text
        self.location = location
        self.quoted = quoted
    }
}

/// The words of one command (up to `;`, a newline or the end), or the first error met
/// while lexing it. A command with an error is reported and not parsed.
struct LexedCommand {
    var words = List<Word>()
    var error: Diagnostic?
}
