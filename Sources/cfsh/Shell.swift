#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// The interactive shell: the plan grows line by line; `exec CMD` runs it and returns
/// here with the plan intact. Every line is checked before anything of it runs; an
/// error is reported with a caret and the session goes on. Only this path sets up line
/// editing, completion and history: scripts and `cfsh -c` never pay for them.
enum Shell {
    static func run(context: ExpansionContext) -> Int32 {
        var session = Session(context: context)
        session.terminalFD = 0
        session.jobs = JobTable()
        // However the shell ends (quit, Ctrl-D), its stopped and background sandboxes end too.
        defer { session.endJobs() }
        guard let editor = LineEditor() else {
            Output.err("cfsh: cannot start line editing; reading plain lines\n")
            return plainLoop(&session)
        }
        chooseSeparator()
        let historyFile = context.home.map { HistoryFile(path: $0 + "/.cfsh_history") }
        session.history = historyFile?.load() ?? []
        session.history.forEach(editor.remember)
        let completer = Completer(host: session.host, context: context)
        // Ctrl-C at the prompt cancels the line: a handler (not SIG_IGN) so the read is
        // interrupted, without SA_RESTART (signal(7)).
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in LineEditor.interrupted = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A shell starts with the keyboard's signals deliverable, whatever mask it
        // inherited (a test runner or a service may start it with them blocked).
        var keyboard = sigset_t()
        sigemptyset(&keyboard)
        for signal in [SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SIGCONT] { sigaddset(&keyboard, signal) }
        sigprocmask(SIG_UNBLOCK, &keyboard, nil)
        defer { historyFile?.save(session.history) }

        var lineNumber = 0
        while true {
            var text = ""
            var continued = false
            let state = session.state
            LineEditor.completion = { completer.complete(text + $0, onto: state) }
            // A trailing `\` continues the line: read on with a continuation prompt.
            readLoop: while true {
                if !continued { session.noticeJobs() }
                switch editor.readLine(prompt: continued ? "  > " : prompt(for: session.plan)) {
                case .endOfInput:
                    if continued { break readLoop }
                    Output.err("\n")
                    return session.lastStatus
                case .interrupted:
                    Output.out("\n")
                    text = ""
                    continued = false
                case .line(let line):
                    text += line
                    if endsWithContinuation(line) {
                        text += "\n"
                        continued = true
                        continue readLoop
                    }
                    break readLoop
                }
            }
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\\" }) { continue }
            editor.remember(text)
            // A line with an error stays in history (to be fixed and run again) but
            // never enters the plan.
            session.history.append(text)
            let number = lineNumber + 1
            lineNumber += text.split(separator: "\n", omittingEmptySubsequences: false).count
            if case .stop(let status) = perform(text, number: number, in: &session) {
                return status
            }
        }
    }

    /// Without libedit (it could not start): plain lines, prompt on stderr.
    static func plainLoop(_ session: inout Session) -> Int32 {
        var number = 0
        while true {
            session.noticeJobs()
            guard let line = plainReadLine(prompt: prompt(for: session.plan)) else { break }
            number += 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            session.history.append(line)
            if case .stop(let status) = perform(line, number: number, in: &session) { return status }
        }
        return session.lastStatus
    }

    static func endsWithContinuation(_ line: String) -> Bool {
        line.reversed().prefix { $0 == "\\" }.count % 2 == 1
    }

    /// One typed line: compiled onto the plan so far (the same `compile` as scripts),
    /// then run. A line with an error runs none of its commands and leaves the plan as
    /// it was, as a script does.
    static func perform(_ text: String, number: Int, in session: inout Session) -> Session.Flow {
        let file = "<stdin>"
        // Positions count the lines of the session: `<stdin>:7:5` is the 7th line typed.
        let compiled = session.compile(Array(text.utf8), file: file, firstLine: number)
        for source in compiled.sources where source.name != file { session.sources[source.name] = source.lines }
        var lines = session.sources[file] ?? []
        while lines.count < number - 1 { lines.append("") }
        lines = Array(lines.prefix(number - 1)) + (compiled.sources[file] ?? [])
        session.sources[file] = lines
        session.report(compiled)
        if !compiled.diagnostics.isEmpty {
            session.lastStatus = compiled.status
            return .next
        }
        session.state = compiled.state
        return session.run(compiled.actions)
    }

    /// The plan at a glance: `cfs[uts pid · container]> `.
    static func prompt(for plan: Plan) -> String {
        var parts: [String] = []
        if !plan.namespaces.isEmpty {
            parts.append(plan.namespaces.names)
        }
        for step in plan.steps {
            if case .setHostname(let name) = step.action { parts.append(name) }
        }
        return parts.isEmpty ? "cfs> " : "cfs[\(parts.joined(separator: separator))]> "
    }

    /// `·` where the terminal's locale is UTF-8, `|` where it is not (libedit cannot
    /// decode a non-ASCII prompt in the C locale: nl_langinfo(3)).
    nonisolated(unsafe) static var separator: String = " | "

    static func chooseSeparator() {
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) == "UTF-8" { separator = " · " }
    }

    static func plainReadLine(prompt: String) -> String? {
        Output.err(prompt)
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}
