/// What the parent writes to the child: the plan's canonical text, then one final line
/// `exec WORD...` with each word quoted by `quoteWord`.
public func encodeRun(_ plan: Plan, argv: [String]) -> String {
    plan.canonicalText + "exec " + argv.map(quoteWord).joined(separator: " ") + "\n"
}

/// The child's decoder: plan commands, then exactly one `exec` as the last command. No
/// host checks (the parent made them); the plan rules still hold. Throws the first
/// `Diagnostic`.
public func decodeRun(_ text: String) throws -> (plan: Plan, argv: [String]) {
    let file = "<plan>"
    let parsed = parseScript(Array(text.utf8), file: file, context: ExpansionContext())
    if let first = parsed.diagnostics.first { throw first }
    guard let last = parsed.commands.last, case .exec(let argv) = last.kind else {
        throw Diagnostic("the plan text does not end with an exec line",
                         at: SourceLocation(file: file, line: max(1, parsed.lines.count), column: 1))
    }
    var builder = PlanBuilder()
    for c in parsed.commands.dropLast() {
        guard case .plan(let command) = c.kind else {
            throw Diagnostic("only plan commands may come before exec in plan text", at: c.location)
        }
        if let problem = builder.add(command, at: c.location, host: nil).first { throw problem }
    }
    return (builder.plan, argv)
}
