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
    /// The `chroot` steps already warned about (`warnIfChrootIsEscapable`).
    var warnedChroots: [SourceLocation] = []
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
        CFSLanguage.compile(bytes, file: file, context: context, onto: state, host: host, firstLine: firstLine)
    }

    /// Runs the actions in order; stops at `quit`/`exit`.
    mutating func run(_ actions: [Action]) -> Flow {
        for action in actions {
            let flow = run(action)
            if flow != .next { return flow }
        }
        return .next
    }

    private mutating func run(_ action: Action) -> Flow {
        switch action {
        case .exec(let plan, let argv, let location):
            warnIfChrootIsEscapable(plan)
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

    /// A plan that isolates with `chroot` while the command keeps root's CAP_SYS_CHROOT:
    /// root can leave a chroot (chroot(2), NOTES: it "is not intended to be used for any
    /// kind of security"; mkdir, chroot into it, `cd ..` up to the real root, chroot
    /// ".") — `pivot_root` detaches the old root and cannot be left that way. One line
    /// on stderr, once per `chroot` step in a session, when a plan with it is run.
    /// Here, not in `compile`: its diagnostics are errors that stop the run, and a
    /// warning kind would change every consumer (`-n`, the prompt, `load`, the fuzzer)
    /// for one message; the run is where the plan's steps and their locations meet.
    /// Not warned: a plan with `pivot_root`, or whose command cannot chroot (`set user`
    /// to a uid other than 0, or sys_chroot removed by a `cap` step).
    mutating func warnIfChrootIsEscapable(_ plan: Plan) {
        var chroot: PlanStep?
        for step in plan.steps {
            switch step.action {
            case .chroot: chroot = chroot ?? step
            case .pivotRoot: return
            case .capDrop(.all): return
            case .capDrop(.some(let list)) where list.contains { $0.name == "sys_chroot" }: return
            case .capKeep(.some(let list)) where !list.contains { $0.name == "sys_chroot" }: return
            default: break
            }
        }
        if let user = plan.user, user.uid != 0 { return }
        guard let chroot, !warnedChroots.contains(chroot.location) else { return }
        warnedChroots.append(chroot.location)
        // Concatenation, not interpolation: this runs before every such sandbox starts.
        let at = chroot.location
        Output.err(at.file + ":" + String(at.line) + ":" + String(at.column)
                   + ": warning: chroot can be left by root in the sandbox (chroot(2));"
                   + " use 'pivot_root DIR' to isolate the root\n")
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
