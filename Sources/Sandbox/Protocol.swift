import CFSLanguage

/// The parent↔child protocol, both directions in this file: what the parent writes to
/// the child (`encodeRun`: the plan's text and argv) and what the child writes back
/// (`FailureRecord`). Three pipes, all opened O_CLOEXEC in the parent; the child
/// inherits its ends by fd number (argv), as runc hands its pipes over:
///
///     parent (cfsh)                                   child (/proc/self/exe __cfsh_child P S E)
///     ─────────────                                   ──────────────────────────────────────────
///     pipe2 ×3 (×4 with user), clone3(CLONE_NEW* | SIGCHLD) ─▶  (C only)
///       without user also CLONE_VM|CLONE_VFORK: cfsh waits     on a stack of its own, in
///       until the child's execve                               cfsh's memory until execve
///     with `unshare user`: uid_map, setgroups,         M: read one byte (EOF → exit 125)
///       gid_map; maps ══ one byte, close ══════════▶
///                                                     (C only) execve(self)
///     plan ══ encodeRun(plan, argv) text, close ══▶  P: read to EOF, decodeRun
///     with `limit`: mkdir cgroup, limits, child's pid → cgroup.procs
///     sync ══ "go", close ═════════════════════════▶  S: read to EOF; anything but "go" → exit 125
///                                                     E: set close-on-exec
///                                                     apply each step, in order
///     (`step` only, two more pipes H and R: after each step the child says "s" on R
///      and waits for one byte on H — "n" next, "c" continue, EOF abort: Stepping.swift)
///     read(R) ◀══ "s" ═════════════════════════════  R: step applied
///     write(H, "n" | "c"), or close(H) ═══════════▶  H: read one byte
///                                                     execve(command)  (or fork it, as PID 1 init)
///     error ◀══ "INDEX ERRNO STATUS STEP MESSAGE\n" ══ E: only on failure, then exit STATUS
///           ◀══ "CAUSE\n" when one was found ══════════ E: what the child saw (KernelErrors.swift)
///           ◀══ EOF with no data ════════════════════  E: closed by the command's execve
///     wait4(child) → exit status / signal; rmdir the cgroup (always)
///     (interactive: wait4 with WUNTRACED, and with an init a fifth pipe T on which it
///      says "S" when the command stops: Jobs.swift)
///
/// EOF with no data on the error pipe means the command exec'd: from there on its status
/// is the child's status. A failure is one line (crun sends (errno, message) the same way)
/// and the parent rebuilds the same `SandboxFailure`, so the user sees one clean message.
enum FailureRecord {
    /// `INDEX ERRNO STATUS STEP MESSAGE\n`; INDEX is `-` for no plan step (re-exec, exec).
    /// With a cause found (KernelErrors.swift), a second line: `CAUSE\n`.
    static func encode(_ failure: SandboxFailure) -> String {
        let index = failure.stepIndex.map { String($0) } ?? "-"
        let message = String(failure.message.map { $0 == "\n" ? " " : $0 })
        let cause = failure.cause.map { String($0.map { $0 == "\n" ? " " : $0 }) + "\n" } ?? ""
        return "\(index) \(failure.errno) \(failure.status) \(failure.step) \(message)\n" + cause
    }

    /// nil for no record (EOF with no data) or a malformed one.
    static func decode(_ text: String) -> SandboxFailure? {
        // Nearly every run: the command ran, the child wrote nothing. Checked before any
        // splitting, whose first use builds [Substring]'s metadata as the parent exits.
        if text.isEmpty { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let line = lines.first, !line.isEmpty else { return nil }
        let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count >= 4, let errno = Int32(fields[1]), let status = Int32(fields[2])
        else { return nil }
        let index = fields[0] == "-" ? nil : Int(fields[0])
        let message = fields.count == 5 ? String(fields[4]) : ""
        let cause = lines.count > 1 && !lines[1].isEmpty ? String(lines[1]) : nil
        return SandboxFailure(stepIndex: index, step: String(fields[3]), errno: errno,
                              message: message, status: status, cause: cause)
    }
}

/// What the parent writes to the child: the plan's canonical text, then one final line
/// `exec WORD...` with each word quoted by `quoteWord`.
public func encodeRun(_ plan: Plan, argv: [String]) -> String {
    var execWords = ["exec"]
    for word in argv { execWords.append(quoteWord(word)) }
    var lines = plan.canonicalLines
    lines.append(concatenated(execWords, separator: " "))
    return joinedLines(lines)
}

/// The child's decoder: plan commands, then exactly one `exec` as the last command. No
/// host checks (the parent made them); the plan rules still hold. Throws the first
/// `Diagnostic`.
public func decodeRun(_ text: String) throws(Diagnostic) -> (plan: Plan, argv: [String]) {
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
