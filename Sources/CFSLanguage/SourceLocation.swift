/// Where a token or command came from: `step6.cfs:4:8`. Lines and columns are 1-based;
/// columns count bytes of the line, as clang and swiftc do.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
