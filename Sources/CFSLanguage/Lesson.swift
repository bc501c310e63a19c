/// A lesson is a teaching script (examples/stepN*.cfs) read the way its comments present
/// it, so that the explanation has one owner — the file: its header (the comment lines
/// at the top) introduces the lesson, and each later block of comment lines explains
/// the lines after it, up to the next block. `cfsh --lesson N` shows each block, then
/// its lines, and runs them (cfsh's Lessons.swift). Nothing here runs or checks
/// anything: the file is compiled whole, as every script is (Compile.swift), and its
/// actions are run in the sections their source lines fall in.
public struct Lesson: Sendable, Equatable {
    /// The header's first line: what `cfsh --lesson` lists.
    public var title: String
    /// The header's lines, comment marks removed (its paragraphs' blank `#` lines empty).
    public var introduction: [String]
    public var sections: [Section]

    public struct Section: Sendable, Equatable {
        /// The comment block before the lines, comment marks removed; empty for lines
        /// that no comment introduces.
        public var explanation: [String]
        /// The lines' numbers, first to last (the first line is 1); the section's
        /// actions are those compiled from a command on one of these lines.
        public var lines: ClosedRange<Int>
        /// The command lines as written (blank lines left out).
        public var commands: [String]
    }

    public init(_ bytes: [UInt8]) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        // A line is a comment when `#` is its first non-blank character — unless the line
        // before ended with `\`, which continues that command onto it (the lexer's rule).
        var kinds: [Kind] = []
        var continued = false
        for (index, line) in lines.enumerated() {
            let text = line.drop { $0 == " " || $0 == "\t" }
            let kind: Kind
            if continued { kind = .command }
            else if index == 0 && text.hasPrefix("#!") { kind = .blank }
            else if text.hasPrefix("#") { kind = .comment(Lesson.commentText(text)) }
            else if text.isEmpty || text == "\r" { kind = .blank }
            else { kind = .command }
            continued = kind == .command && line.hasSuffix("\\")
            kinds.append(kind)
        }

        var index = 0
        while index < kinds.count, kinds[index] == .blank { index += 1 }
        var header: [String] = []
        while index < kinds.count, case .comment(let text) = kinds[index] {
            header.append(text)
            index += 1
        }
        introduction = header
        title = header.first { !$0.isEmpty } ?? ""

        sections = []
        var current: Section?
        var previous = Kind.blank
        while index < kinds.count {
            let number = index + 1
            switch kinds[index] {
            case .comment(let text):
                if let open = current, open.commands.isEmpty {
                    // Blocks with no line between them are one explanation, in paragraphs.
                    if previous == .blank { current?.explanation.append("") }
                    current?.explanation.append(text)
                } else {
                    if let open = current, !open.commands.isEmpty { sections.append(open) }
                    current = Section(explanation: [text], lines: number...number, commands: [])
                }
            case .command:
                if current == nil { current = Section(explanation: [], lines: number...number, commands: []) }
                current?.commands.append(lines[index])
                if let first = current?.lines.lowerBound { current?.lines = first...number }
            case .blank:
                break
            }
            previous = kinds[index]
            index += 1
        }
        if let open = current, !open.commands.isEmpty { sections.append(open) }
    }

    private enum Kind: Equatable {
        case comment(String)
        case command
        case blank
    }

    /// `# text` → `text`: the mark and one space after it.
    private static func commentText(_ text: Substring) -> String {
        var rest = text.dropFirst()
        if rest.hasPrefix(" ") { rest = rest.dropFirst() }
        if rest.hasSuffix("\r") { rest = rest.dropLast() }
        return String(rest)
    }
}
