#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

/// The state a script or the interactive shell works on — the plan so far (with its
/// planned root), the last `exec`'s status, the text of every source read (for carets)
/// — and the loop that runs compiled actions. Checking is not done here: `compile`
/// (CFSLanguage/Compile.swift) is the one checker; this only runs what it accepted.
struct Session {
    let host = LinuxHost()
    var state: PlanBuilder
    var lastStatus: Int32 = 0
    var context: ExpansionContext
    var sources = SourceFiles()
    /// The interactive shell hands the terminal to the sandbox and lists its history.
    var terminalFD: Int32?
    var history: [String] = []
    /// The interactive shell's stopped and background sandboxes (Jobs.swift); nil for
    /// scripts, which never stop a sandbox of their own.
    var jobs: JobTable?
    /// `set lint on|off`: whether `compile` gives warnings (Lint.swift).
    var lint = true
    /// Where the warnings already printed are: one warning per source location, however
    /// often its line is compiled again (a `load`ed file, the plan at each typed line).
    var warned = List<SourceLocation>()
    /// `set verify on`: every exec's sandbox is verified while its command runs (Verifying.swift).
    var verifyEachExec = false

    init(context: ExpansionContext) {
        self.context = context
        state = PlanBuilder(view: host.startingView)
    }

    var plan: Plan { state.plan }

    enum Flow: Equatable { case next, stop(Int32) }

    /// Compiles `bytes` onto the current plan: the one entry to the checker for
    /// scripts, `-c`, standard input, `cfsh run` and every line typed at the prompt.
    func compile(_ bytes: [UInt8], file: String, firstLine: Int = 1) -> Compilation {
        CFSLanguage.compile(bytes, file: file, context: context, onto: state, host: host, firstLine: firstLine,
                            lint: lint)
    }

    /// Runs the actions in order; stops at `quit`/`exit`.
    mutating func run(_ actions: List<Action>) -> Flow {
        for action in actions {
            let flow = run(action)
            if flow != .next { return flow }
        }
        return .next
    }

    private mutating func run(_ action: Action) -> Flow {
        switch action {
        case .exec(let plan, let argv, let location):
            var options = RunOptions()
            options.terminalFD = terminalFD
            let verified = verifyEachExec ? verifyWhileRunning(plan, argv: argv, options: &options) : nil
            let outcome = Sandbox.run(plan, argv: argv, options: options)
            finish(outcome, job: Job(text: "exec " + concatenated(argv, separator: " "), plan: plan, location: location))
            if let verified { finishVerifying(verified, outcome: outcome) }
        case .print(let text):
            Output.out(text + "\n")
        case .show(let plan):
            let text = plan.canonicalText
            if text.isEmpty, terminalFD != nil {
                Output.out("# the plan is empty\n")
            } else {
                Output.out(text)
            }
        case .explain(let plan, let argv):
            let lines = Sandbox.explain(plan, argv: argv)
            Output.out(lines.map { $0 + "\n" }.joined())
        case .save(let plan, let path, let force, let location):
            if let problem = save(plan, to: path, force: force) {
                report([Diagnostic("save: \(path): \(problem)", at: location,
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
            if warnedAboutJobs() { return .next }
            return .stop(lastStatus)
        case .exit(let status):
            if warnedAboutJobs() { return .next }
            return .stop(status ?? lastStatus)
        case .jobs:
            listJobs()
        case .foreground(let number):
            foreground(number)
        case .background(let number):
            background(number)
        case .verify(let plan, let pid, let argv, let location):
            verify(plan, pid: pid, argv: argv, location: location)
        case .setVerify(let on):
            verifyEachExec = on
        case .setLint(let on):
            lint = on
        case .step(let plan, let argv, let location):
            step(plan, argv: argv, location: location)
        }
        return .next
    }

    /// Writes the plan's canonical text; refuses to replace a file unless forced.
    func save(_ plan: Plan, to path: String, force: Bool) -> String? {
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
    func diagnostic(for failure: SandboxFailure, plan: Plan, exec location: SourceLocation) -> Diagnostic {
        var at = location
        if let index = failure.stepIndex, plan.steps.indices.contains(index) {
            at = plan.steps[index].location
        }
        return Diagnostic(failure.message, at: at, cause: failure.cause)
    }

    /// What `compile` found, errors and warnings in source order; a warning where one
    /// was already printed in this session is not printed again.
    mutating func report(_ compiled: Compilation) {
        var fresh = List<Diagnostic>()
        for diagnostic in compiled.reported {
            if diagnostic.isWarning {
                if warned.contains(diagnostic.location) { continue }
                warned.append(diagnostic.location)
            }
            fresh.append(diagnostic)
        }
        report(fresh)
    }

    func report(_ diagnostics: List<Diagnostic>) {
        for diagnostic in diagnostics {
            let lines = sources[diagnostic.location.file]
            let index = diagnostic.location.line - 1
            let line = lines.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            Output.err(renderedBytes(diagnostic, sourceLine: line))
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
