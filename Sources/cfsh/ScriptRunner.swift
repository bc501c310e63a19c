import CFSLanguage

/// A script — a file, `-c`, or standard input — runs in two passes, like a compiler:
/// first every line is parsed and checked against the plan as it grows (every error is
/// reported, up to a cap, and if there is one nothing runs: exit 2); then the same
/// commands run in order. A script's status is its last `exec`'s.
enum ScriptRunner {
    static let diagnosticCap = 20

    static func run(_ bytes: [UInt8], file: String, context: ExpansionContext, checkOnly: Bool) -> Int32 {
        let parsed = parseScript(bytes, file: file, context: context)
        var checker = Session(context: context)
        checker.sources[file] = parsed.lines
        var diagnostics = parsed.diagnostics
        var scriptErrors = parsed.diagnostics.count
        for command in parsed.commands where diagnostics.count <= diagnosticCap {
            let found = checker.check(command)
            diagnostics += found
            if case .exec = command.kind { continue }
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
        for command in parsed.commands {
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
