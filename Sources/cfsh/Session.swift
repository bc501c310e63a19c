#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

/// The state a script or the interactive shell works on: the plan being built, the last
/// `exec`'s status, and the text of every source read (for carets under errors).
struct Session {
    var builder = PlanBuilder()
    var lastStatus: Int32 = 0
    var context: ExpansionContext
    var sources: [String: [String]] = [:]
    let host = LinuxHostFacts()
    /// The interactive shell hands the terminal to the sandbox and lists its history.
    var terminalFD: Int32?
    var history: [String] = []
    /// The status of the first `exec` the pre-clone checks refused (125, 126 or 127): a
    /// script whose only errors are those exits with it rather than 2, as `sh` exits 127
    /// for a missing command. Nothing ran either way.
    var preflightStatus: Int32?

    init(context: ExpansionContext) { self.context = context }

    var plan: Plan { builder.plan }

    enum Flow: Equatable { case next, stop(Int32) }

    // MARK: checking (nothing runs)

    /// Checks one command against the plan as it stands, and adds it when it is a plan
    /// command; nothing runs and nothing on the host changes. `exec` gets the engine's
    /// pre-clone checks (the root exists, the command exists inside it).
    mutating func check(_ command: Command, loadDepth: Int = 0) -> [Diagnostic] {
        switch command.kind {
        case .plan(let planCommand):
            return builder.add(planCommand, at: command.location, host: host)
        case .exec(let argv):
            let failures = Sandbox.preflight(plan, argv: argv)
            if preflightStatus == nil { preflightStatus = failures.first?.status }
            return failures.map { diagnostic(for: $0, exec: command) }
        case .reset:
            builder.reset()
        case .undo:
            _ = builder.undo()
        case .load(let path):
            return load(path, at: command.location, depth: loadDepth)
        case .print, .show, .explain, .save, .help, .history, .quit, .exit:
            break
        }
        return []
    }

    /// `load FILE`: the file's plan commands (and its `reset`/`undo`) go into the plan;
    /// its run commands (`exec`, `print`, ...) are skipped — `cfsh FILE` runs a script.
    /// All or nothing: a file with an error adds none of its lines.
    mutating func load(_ path: String, at location: SourceLocation, depth: Int) -> [Diagnostic] {
        guard depth < 8 else {
            return [Diagnostic(location: location, message: "load: \(path): loads nest deeper than 8 (does it load itself?)", fix: nil)]
        }
        let bytes: [UInt8]
        switch Input.readFile(path) {
        case .success(let read): bytes = read
        case .failure(let failure):
            return [Diagnostic(location: location, message: "load: \(path): \(failure.reason)", fix: nil)]
        }
        var loadContext = context
        loadContext.scriptName = path
        loadContext.arguments = []
        let parsed = parseScript(bytes, file: path, context: loadContext)
        sources[path] = parsed.lines
        var diagnostics = parsed.diagnostics
        var trial = self
        for command in parsed.commands {
            switch command.kind {
            case .plan, .reset, .undo, .load:
                diagnostics += trial.check(command, loadDepth: depth + 1)
            default:
                continue
            }
        }
        if diagnostics.isEmpty {
            builder = trial.builder
            sources = trial.sources
        }
        return diagnostics
    }

    // MARK: running

    /// Performs one command that `check` has accepted (a script) or not yet seen (the
    /// interactive shell: it checks first and reports errors without running anything).
    mutating func perform(_ command: Command, checked: Bool) -> Flow {
        switch command.kind {
        case .plan, .reset, .undo, .load:
            let diagnostics = check(command)
            report(diagnostics)
            if !diagnostics.isEmpty { lastStatus = 2 }
        case .exec(let argv):
            if !checked {
                let problems = Sandbox.preflight(plan, argv: argv)
                if !problems.isEmpty {
                    report(problems.map { diagnostic(for: $0, exec: command) })
                    lastStatus = problems[0].status
                    return .next
                }
            }
            var options = RunOptions()
            options.terminalFD = terminalFD
            let outcome = Sandbox.run(plan, argv: argv, options: options)
            if case .failed(let failure) = outcome {
                report([diagnostic(for: failure, exec: command)])
            }
            // At a terminal, a command ended by Ctrl-C leaves the cursor after `^C`:
            // start the prompt on a line of its own, as bash does.
            if terminalFD != nil, outcome.status == 128 + SIGINT { Output.err("\n") }
            lastStatus = outcome.status
        case .print(let text):
            Output.out(text + "\n")
        case .show:
            let text = plan.canonicalText
            if text.isEmpty, terminalFD != nil {
                Output.out("# the plan is empty\n")
            } else {
                Output.out(text)
            }
        case .explain:
            let lines = Sandbox.explain(plan, argv: nil)
            Output.out(lines.map { $0 + "\n" }.joined())
        case .save(let path, let force):
            if let problem = save(to: path, force: force) {
                report([Diagnostic(location: command.location, message: "save: \(path): \(problem)",
                                   fix: force ? nil : "use 'save -f \(path)' to overwrite it")])
                lastStatus = 2
            }
        case .help(let topic):
            Output.out(Help.text(for: topic))
        case .history:
            for (number, line) in history.enumerated() {
                Output.out("\(String(number + 1).leftPadded(to: 5))  \(line)\n")
            }
        case .quit:
            return .stop(lastStatus)
        case .exit(let status):
            return .stop(status ?? lastStatus)
        }
        return .next
    }

    /// Writes the plan's canonical text; refuses to replace a file unless forced.
    func save(to path: String, force: Bool) -> String? {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, 0o644)
        if fd < 0 {
            return errno == EEXIST ? "file exists" : errorText(errno)
        }
        Output.write(fd, plan.canonicalText)
        close(fd)
        return nil
    }

    // MARK: diagnostics

    /// A failure of the engine, placed where the user wrote the step that failed (or the
    /// `exec` line when it was the command itself or the parent's side).
    func diagnostic(for failure: SandboxFailure, exec command: Command) -> Diagnostic {
        var location = command.location
        if let index = failure.stepIndex, plan.steps.indices.contains(index) {
            location = plan.steps[index].location
        }
        return Diagnostic(location: location, message: failure.message, fix: nil)
    }

    func report(_ diagnostics: [Diagnostic]) {
        for diagnostic in diagnostics {
            let lines = sources[diagnostic.location.file]
            let index = diagnostic.location.line - 1
            let line = lines.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            Output.err(render(diagnostic, sourceLine: line))
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
