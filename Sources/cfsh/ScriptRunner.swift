import CFSLanguage

/// A script — a file, `-c`, or standard input — runs in two passes, like a compiler:
/// first every line is parsed and checked against the plan as it grows (every error is
/// reported, up to a cap, and if there is one nothing runs: exit 2); then the same
/// commands run in order. A script's status is its last `exec`'s. The plan is built
/// once, in the first pass: the second takes the plan each `exec`, `show`, `explain` or
/// `save` saw then, so no step is checked twice and no `load`ed file is read twice.
enum ScriptRunner {
    static let diagnosticCap = 20

    static func run(_ bytes: [UInt8], file: String, context: ExpansionContext, checkOnly: Bool) -> Int32 {
        let parsed = parseScript(bytes, file: file, context: context)
        var checker = Session(context: context)
        checker.sources[file] = parsed.lines
        var diagnostics = parsed.diagnostics
        var scriptErrors = parsed.diagnostics.count
        var plansSeen: [(command: Int, plan: PlanBuilder)] = []
        for (index, command) in parsed.commands.enumerated() where diagnostics.count <= diagnosticCap {
            let found = checker.check(command)
            diagnostics += found
            switch command.kind {
            case .exec: plansSeen.append((index, checker.builder)); continue
            case .show, .explain, .save: plansSeen.append((index, checker.builder))
            default: break
            }
            scriptErrors += found.count
        }
        if !diagnostics.isEmpty {
            report(diagnostics, with: checker)
            // Only an `exec` the engine refused (command not found, not executable, no
            // such root): its own status. Any error in the script itself: 2.
            return scriptErrors == 0 ? (checker.preflightStatus ?? 2) : 2
        }
        if checkOnly { return 0 }

        var session = Session(context: context)
        session.sources = checker.sources
        var nextPlan = PlansSeen(plans: plansSeen)
        for (index, command) in parsed.commands.enumerated() {
            switch command.kind {
            case .plan, .reset, .undo, .load:
                continue  // built in the first pass
            default:
                if let seen = nextPlan.next(ifCommand: index) { session.builder = seen }
            }
            if case .stop(let status) = session.perform(command, checked: true) { return status }
        }
        return session.lastStatus
    }

    /// In source order, at most `diagnosticCap`, then one line saying how many more.
    static func report(_ diagnostics: [Diagnostic], with session: Session) {
        let ordered = diagnostics.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            if x.file != y.file { return a.offset < b.offset }
            return (x.line, x.column, a.offset) < (y.line, y.column, b.offset)
        }.map(\.element)
        session.report(Array(ordered.prefix(diagnosticCap)))
        if ordered.count > diagnosticCap {
            Output.err("cfsh: \(ordered.count - diagnosticCap) more errors not shown\n")
        }
    }
}

/// Walks the first pass's plans in step with the second pass's commands.
private struct PlansSeen {
    var plans: [(command: Int, plan: PlanBuilder)]
    var position = 0

    mutating func next(ifCommand index: Int) -> PlanBuilder? {
        guard position < plans.count, plans[position].command == index else { return nil }
        position += 1
        return plans[position - 1].plan
    }
}
