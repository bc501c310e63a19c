/// Words to a `CommandKind`, one command at a time. Each error points at the word at
/// fault (a missing argument: at the command's name) and says what was expected.
struct Parser {
    /// The command's name word, then its arguments.
    let name: Word
    var rest: Slice<List<Word>>
    /// The help entry for usage lines ("set hostname").
    var usage: String

    init(_ words: List<Word>) {
        name = words[0]
        rest = words.dropFirst()
        usage = name.text
    }

    static func parse(_ words: List<Word>) throws(Diagnostic) -> CommandKind {
        var p = Parser(words)
        return try p.command()
    }

    // MARK: - Argument helpers

    var hasMore: Bool { !rest.isEmpty }

    mutating func next(_ what: String) throws(Diagnostic) -> Word {
        guard let w = rest.popFirst() else {
            throw Diagnostic("'\(usage)' needs \(what)", at: name.location,
                             fix: "usage: \(syntax(of: usage))")
        }
        return w
    }

    /// A non-empty word (paths, names).
    mutating func nonEmpty(_ what: String) throws(Diagnostic) -> Word {
        let w = try next(what)
        if w.text.isEmpty { throw Diagnostic("\(what) must not be empty", at: w.location) }
        return w
    }

    mutating func remaining() -> List<Word> {
        defer { rest = rest[rest.endIndex...] }
        return List(rest)
    }

    func end() throws(Diagnostic) {
        if let extra = rest.first {
            throw Diagnostic("unexpected argument \(quoted(extra.text)) to '\(usage)'", at: extra.location,
                             fix: "usage: \(syntax(of: usage))")
        }
    }

    /// One of `choices` (the subcommand or keyword), with "did you mean".
    mutating func choice(_ what: String, _ choices: [String]) throws(Diagnostic) -> String {
        let w = try next(what)
        guard choices.contains(w.text) else {
            throw Diagnostic("unknown \(what) \(quoted(w.text)) for '\(usage)'\(didYouMean(w.text, choices))",
                             at: w.location, fix: "expected one of: \(choices.joined(separator: ", "))")
        }
        return w.text
    }

    mutating func onOff() throws(Diagnostic) -> Bool {
        try choice("value", ["on", "off"]) == "on"
    }

    // MARK: - Commands

    private mutating func command() throws(Diagnostic) -> CommandKind {
        let kind: CommandKind
        switch name.text {
        case "exec":
            let cmd = try nonEmpty("a command to run")
            kind = .exec([cmd.text] + remaining().map { $0.text })
        case "step":
            let cmd = try nonEmpty("a command to run")
            kind = .step([cmd.text] + remaining().map { $0.text })
        case "print":
            let texts = remaining().map(\.text)
            kind = .print(texts.count == 1 ? texts[0] : texts.joined(separator: " "))
        case "show": kind = .show
        case "explain":
            kind = .explain(hasMore ? remaining().map(\.text) : nil)
        case "reset": kind = .reset
        case "undo": kind = .undo
        case "history": kind = .history
        case "quit": kind = .quit
        case "load":
            kind = .load(path: try nonEmpty("FILE").text)
        case "save":
            var force = false
            if rest.first?.text == "-f" {
                force = true
                rest.removeFirst()
            }
            kind = .save(path: try nonEmpty("FILE").text, force: force)
        case "help":
            kind = .help(topic: hasMore ? remaining().map(\.text).joined(separator: " ") : nil)
        case "jobs": kind = .jobs
        case "verify":
            var pid: Int32?
            if let w = rest.popFirst() {
                guard let n = Int32(w.text), n > 0 else {
                    throw Diagnostic("'verify' takes a process ID, not \(quoted(w.text))", at: w.location,
                                     fix: "usage: \(syntax(of: "verify"))")
                }
                pid = n
            }
            kind = .verify(pid: pid)
        case "set" where rest.first?.text == "verify":
            rest.removeFirst()
            usage = "set verify"
            kind = .setVerify(try onOff())
        case "set" where rest.first?.text == "lint":
            rest.removeFirst()
            usage = "set lint"
            kind = .setLint(try onOff())
        case "fg", "bg":
            // `fg 2` or, as sh writes it, `fg %2`.
            var job: Int?
            if let w = rest.popFirst() {
                let digits = w.text.hasPrefix("%") ? String(w.text.dropFirst()) : w.text
                guard let n = Int(digits), n > 0 else {
                    throw Diagnostic("'\(name.text)' takes a job number, not \(quoted(w.text))", at: w.location,
                                     fix: "'jobs' lists them; usage: \(syntax(of: name.text))")
                }
                job = n
            }
            kind = name.text == "fg" ? .foreground(job: job) : .background(job: job)
        case "exit":
            if hasMore {
                let w = try next("N")
                kind = .exit(status: Int32(try parseWhole(w, "exit status", in: 0...255)))
            } else {
                kind = .exit(status: nil)
            }
        default:
            guard let plan = try planCommand() else {
                throw Diagnostic("unknown command \(quoted(name.text))\(didYouMean(name.text, commandWords))",
                                 at: name.location, fix: "'help' lists the commands")
            }
            kind = .plan(plan)
        }
        try end()
        return kind
    }
}
