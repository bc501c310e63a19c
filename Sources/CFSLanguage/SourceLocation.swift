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

    /// FILE:LINE:COL. Its one spelling, for messages and rendered diagnostics alike.
    public var description: String {
        var text = List<UInt8>()
        appendText(to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// `description` as bytes, which `renderedBytes` writes without making a String.
    public func appendText(to out: inout List<UInt8>) {
        out.append(contentsOf: file.utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: String(line).utf8)
        out.append(UInt8(ascii: ":"))
        out.append(contentsOf: String(column).utf8)
    }
}
