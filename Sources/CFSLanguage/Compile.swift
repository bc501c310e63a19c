/// Compile, then run: the one function that turns text — a script, a `-c` string,
/// standard input, one line typed at the prompt, a `load`ed file — plus the plan so far
/// into either diagnostics or the actions to run, each carrying what it needs. The CLI,
/// the interactive shell and the fuzz target call it; running is a loop over the
/// actions (cfsh's Runner.swift). There is no second checker: what passes here is what
/// runs, and nothing runs when an error is reported. Warnings (Lint.swift) come back
/// beside the errors; they never stop a run.

/// One thing to do, with everything it needs.
public enum Action: Sendable {
    /// Run `argv` in a sandbox built from `plan`; `location` is the `exec` line's.
    case exec(plan: Plan, argv: [String], location: SourceLocation)
    case show(Plan)
    /// The system calls a run would make; `argv` nil: a placeholder command.
    case explain(plan: Plan, argv: [String]?)
    case save(plan: Plan, path: String, force: Bool, location: SourceLocation)
    case print(String)
    case help(topic: String?)
    case history
    case quit
    case exit(status: Int32?)
    case jobs
    case foreground(job: Int?)
    case background(job: Int?)
    /// `verify PID`, or (`pid` nil) the plan's sandbox built with `argv` (a `sleep`) to be checked.
    case verify(plan: Plan, pid: Int32?, argv: [String], location: SourceLocation)
    case setVerify(Bool)
    /// `step CMD ARGS...`: run as `exec`, the child held after each step (answers: `next`,
    /// `continue`, `abort`).
    case step(plan: Plan, argv: [String], location: SourceLocation)
    case setLint(Bool)
}

public struct Compilation: Sendable {
    /// Empty when there are diagnostics: nothing may run.
    public var actions = List<Action>()
    /// Where each action's command is, one per action (a `load`ed file's, at its `load`
    /// line): `cfsh --lesson` runs the actions of a section of the file at a time.
    public var actionLocations = List<SourceLocation>()
    /// The errors, in source order, at most `maxDiagnostics` and one "too many errors".
    public var diagnostics = List<Diagnostic>()
    /// The warnings (Lint.swift), in source order, each once; none while lint is off.
    public var warnings = List<Diagnostic>()
    /// Errors and warnings together in source order: what `cfsh -n` and a script print
    /// before anything runs.
    public var reported = List<Diagnostic>()
    /// The plan after the text (with its planned root): the shell keeps it as its plan
    /// when there are no diagnostics; a script starts from an empty one.
    public var state: PlanBuilder
    /// The lines of the text and of each `load`ed file, by file name, for carets.
    public var sources = SourceFiles()
    /// 0 when there is nothing to report. Otherwise 2 — unless every problem is an
    /// `exec` whose command cannot run, which keeps its own status (126, 127) as sh does.
    public var status: Int32 = 0
}

/// The lines of each compiled file, by file name. A short list searched by name, not a
/// `[String: [String]]`: a script is one file and a handful of `load`ed ones, and a
/// dictionary costs every start its generic metadata and a runtime scan of every
/// conformance record for `String: Hashable` (issue 13).
public struct SourceFiles: Sendable, Sequence {
    private var files = List<SourceFile>()
    public struct SourceFile: Sendable {
        public var name: String
        public var lines: [String]
    }
    public init() {}
    public subscript(name: String) -> [String]? {
        get { files.first { $0.name == name }?.lines }
        set {
            let at = files.firstIndex { $0.name == name }
            switch (at, newValue) {
            case (let at?, let lines?): files[at].lines = lines
            case (let at?, nil): files.remove(at: at)
            case (nil, let lines?): files.append(SourceFile(name: name, lines: lines))
            case (nil, nil): break
            }
        }
    }
    public func makeIterator() -> IndexingIterator<List<SourceFile>> { files.makeIterator() }
}

/// How deep `load` may nest (a file that loads itself stops here).
let maxLoadDepth = 8

/// Compiles `bytes` (named `file` in messages) onto `state`. `firstLine` numbers the
/// text's first line (the shell counts lines across a session). With `host` nil no
/// host fact is checked and `load` cannot read (the child's decoder, some tests).
/// `lint`: whether warnings are on where the text starts (`set lint on|off` in the text
/// changes it from there; the session keeps it through the `.setLint` action).
public func compile(_ bytes: [UInt8], file: String, context: ExpansionContext, onto state: PlanBuilder,
                    host: HostFacts?, firstLine: Int = 1, lint: Bool = true) -> Compilation {
    var compiler = Compiler(state: state, host: host, context: context)
    compiler.lint = lint
    compiler.compile(bytes, file: file, firstLine: firstLine, loadDepth: 0, at: nil, floor: 0)
    return compiler.finish()
}

private struct Compiler {
    var state: PlanBuilder
    let host: HostFacts?
    let context: ExpansionContext
    var actions = List<Action>()
    var actionLocations = List<SourceLocation>()
    /// Each diagnostic with where, in the compiled text, it arose (a loaded file's
    /// problems sort at their `load` line).
    var found = List<(key: SourceLocation, diagnostic: Diagnostic)>()
    var scriptErrors = 0
    var execStatus: Int32?
    var sources = SourceFiles()
    var lastExec: [String]?
    var lint = true
    var warned = List<(key: SourceLocation, diagnostic: Diagnostic)>()

    init(state: PlanBuilder, host: HostFacts?, context: ExpansionContext) {
        self.state = state
        self.host = host
        self.context = context
    }

    /// `loadDepth` > 0: a `load`ed file, of which only plan commands count (`load FILE`
    /// takes a file's plan; `cfsh FILE` runs a script). `at`: the `load` command.
    /// `floor`: how many commands of the plan were there before this file; a loaded
    /// file's `reset` and `undo` reach only its own (`load` adds, it never removes).
    mutating func compile(_ bytes: [UInt8], file: String, firstLine: Int, loadDepth: Int, at load: SourceLocation?,
                          floor: Int) {
        var parsed = parseScript(bytes, file: file, context: context)
        if firstLine != 1 {
            for i in parsed.commands.indices { parsed.commands[i].location.line += firstLine - 1 }
            for i in parsed.diagnostics.indices { parsed.diagnostics[i].location.line += firstLine - 1 }
        }
        sources[file] = parsed.lines
        for d in parsed.diagnostics { report(d, key: load ?? d.location) }
        for command in parsed.commands {
            let key = load ?? command.location
            defer { while actionLocations.count < actions.count { actionLocations.append(key) } }
            switch command.kind {
            case .plan(let p):
                if lint, case .unshare(let list) = p, let w = unshareWarning(list, to: state.plan, at: command.location) {
                    warn(w, key: key)
                }
                for d in state.add(p, at: command.location, host: host) { report(d, key: key) }
            case .reset where loadDepth > 0:
                while state.count > floor { _ = state.undo() }
            case .reset: state.reset(host: host)
            case .undo:
                if state.count > floor { _ = state.undo() }
            case .load(let path): self.load(path, at: command.location, key: key, depth: loadDepth + 1)
            case _ where loadDepth > 0: continue
            case .exec(let argv), .step(let argv):
                lastExec = argv
                lintRun(at: command.location, key: key)
                if let host, let problem = commandProblem(argv, searchPath: state.searchPath,
                                                          view: state.view, host: host) {
                    found.append((key, Diagnostic(problem.message, at: command.location)))
                    if execStatus == nil { execStatus = problem.status }
                }
                if case .step = command.kind {
                    actions.append(.step(plan: state.plan, argv: argv, location: command.location))
                } else {
                    actions.append(.exec(plan: state.plan, argv: argv, location: command.location))
                }
            case .print(let text): actions.append(.print(text))
            case .show: actions.append(.show(state.plan))
            case .explain(let argv): actions.append(.explain(plan: state.plan, argv: argv))
            case .save(let path, let force):
                actions.append(.save(plan: state.plan, path: path, force: force, location: command.location))
            case .help(let topic): actions.append(.help(topic: topic))
            case .history: actions.append(.history)
            case .quit: actions.append(.quit)
            case .exit(let status): actions.append(.exit(status: status))
            case .jobs: actions.append(.jobs)
            case .foreground(let job): actions.append(.foreground(job: job))
            case .background(let job): actions.append(.background(job: job))
            case .verify(let pid):
                // Without a PID the sandbox is built with a command that waits while it
                // is checked: `sleep`, looked up as `exec sleep` would be.
                let argv = ["sleep", "3600"]
                if pid == nil, let host,
                   let problem = commandProblem(argv, searchPath: state.searchPath, view: state.view, host: host) {
                    report(Diagnostic("verify: the sandbox is held by running 'sleep' in it: \(problem.message)",
                                      at: command.location,
                                      fix: "start a sandbox of your own and use 'verify PID'"), key: key)
                }
                actions.append(.verify(plan: state.plan, pid: pid, argv: argv, location: command.location))
            case .setVerify(let on): actions.append(.setVerify(on))
            case .setLint(let on):
                lint = on
                actions.append(.setLint(on))
            }
        }
    }

    /// The warnings of running the plan as it is at an `exec` or `step`.
    mutating func lintRun(at location: SourceLocation, key: SourceLocation) {
        guard lint else { return }
        for w in runWarnings(state.plan, exec: location, startingDirectory: startingDirectory, host: host) {
            warn(w, key: key)
        }
        lintSteps()
    }

    /// The warnings of the plan's steps as they are now.
    mutating func lintSteps() {
        guard lint else { return }
        let context = self.context
        for w in stepWarnings(state.plan, startingDirectory: startingDirectory,
                              environment: { context.environmentValue($0) }, host: host) {
            warn(w, key: w.location)
        }
    }

    var startingDirectory: String { host?.startingView.cwd ?? "/" }

    /// One warning per source location (the steps are linted at every `exec` and at the
    /// end; a file loaded twice has its steps twice), and at most `maxDiagnostics`, then
    /// one line that says there are more.
    mutating func warn(_ d: Diagnostic, key: SourceLocation) {
        if warned.count > maxDiagnostics || warned.contains(where: { $0.diagnostic.location == d.location }) { return }
        if warned.count == maxDiagnostics {
            warned.append((key, Diagnostic("more warnings than \(maxDiagnostics); not shown", at: d.location,
                                           fix: "fix these first, or 'set lint off'", severity: .warning)))
        }
        if warned.count > maxDiagnostics { return }
        warned.append((key, d))
    }

    mutating func report(_ d: Diagnostic, key: SourceLocation) {
        found.append((key, d))
        scriptErrors += 1
    }

    /// `load FILE`: its plan commands (and `reset`, `undo`, `load`) go into the plan.
    mutating func load(_ path: String, at location: SourceLocation, key: SourceLocation, depth: Int) {
        guard depth <= maxLoadDepth else {
            report(Diagnostic("load: \(path): loads nest deeper than \(maxLoadDepth) (does it load itself?)",
                              at: location), key: key)
            return
        }
        guard let host else { return }
        switch host.readScript(path) {
        case .failed(let reason):
            report(Diagnostic("load: \(path): \(reason)", at: location), key: key)
        case .read(let bytes):
            var loadContext = context
            loadContext.scriptName = path
            loadContext.arguments = []
            var inner = Compiler(state: state, host: host, context: loadContext)
            inner.sources = sources
            inner.compile(bytes, file: path, firstLine: 1, loadDepth: depth, at: key, floor: state.count)
            state = inner.state
            sources = inner.sources
            found += inner.found
            scriptErrors += inner.scriptErrors
            for w in inner.warned { warn(w.diagnostic, key: w.key) }
        }
    }

    /// Orders and caps the diagnostics; fills in `explain`'s default command.
    mutating func finish() -> Compilation {
        lintSteps()
        var result = Compilation(state: state)
        result.sources = sources
        result.warnings = ordered(warned).map(\.diagnostic)
        if found.isEmpty {
            result.reported = result.warnings
            result.actions = actions.map { action in
                if case .explain(let plan, nil) = action, let lastExec { return .explain(plan: plan, argv: lastExec) }
                return action
            }
            result.actionLocations = actionLocations
            return result
        }
        var errors = ordered(found)
        // The parser's own cap may already have added its "too many errors" line.
        if errors.count > maxDiagnostics + 1 {
            let last = errors[maxDiagnostics]
            errors = List(errors.prefix(maxDiagnostics))
            errors.append((last.key, Diagnostic("too many errors (more than \(maxDiagnostics)); stopping here",
                                                at: last.diagnostic.location)))
        }
        result.diagnostics = errors.map(\.diagnostic)
        result.reported = ordered(warned + errors).map(\.diagnostic)
        result.status = scriptErrors == 0 ? (execStatus ?? 2) : 2
        return result
    }

    /// In source order (a loaded file's at its `load`); List's sort is stable, so
    /// problems at one place keep the order they were found in.
    private func ordered(_ list: List<(key: SourceLocation, diagnostic: Diagnostic)>)
        -> List<(key: SourceLocation, diagnostic: Diagnostic)> {
        list.sorted { a, b in (a.key.line, a.key.column) < (b.key.line, b.key.column) }
    }
}
