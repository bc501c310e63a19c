/// The parent↔child protocol. Three pipes, all opened O_CLOEXEC in the parent; the child
/// inherits its ends by fd number (argv), as runc hands its pipes over:
///
///     parent (cfsh)                                   child (/proc/self/exe __cfsh_child P S E)
///     ─────────────                                   ──────────────────────────────────────────
///     pipe2 ×3 (×4 with user), clone3(CLONE_NEW* | SIGCHLD) ─▶  (C only)
///     with `unshare user`: uid_map, setgroups,         M: read one byte (EOF → exit 125)
///       gid_map; maps ══ one byte, close ══════════▶
///                                                     (C only) execve(self)
///     plan ══ encodeRun(plan, argv) text, close ══▶  P: read to EOF, decodeRun
///     with `limit`: mkdir cgroup, limits, child's pid → cgroup.procs
///     sync ══ "go", close ═════════════════════════▶  S: read to EOF; anything but "go" → exit 125
///                                                     E: set close-on-exec
///                                                     apply each step, in order
///                                                     execve(command)  (or fork it, as PID 1 init)
///     error ◀══ "INDEX ERRNO STATUS STEP MESSAGE\n" ══ E: only on failure, then exit STATUS
///           ◀══ EOF with no data ════════════════════  E: closed by the command's execve
///     wait4(child) → exit status / signal; rmdir the cgroup (always)
///
/// EOF with no data on the error pipe means the command exec'd: from there on its status
/// is the child's status. A failure is one line (crun sends (errno, message) the same way)
/// and the parent rebuilds the same `SandboxFailure`, so the user sees one clean message.
enum FailureRecord {
    /// `INDEX ERRNO STATUS STEP MESSAGE\n`; INDEX is `-` for no plan step (re-exec, exec).
    static func encode(_ failure: SandboxFailure) -> String {
        let index = failure.stepIndex.map { String($0) } ?? "-"
        let message = String(failure.message.map { $0 == "\n" ? " " : $0 })
        return "\(index) \(failure.errno) \(failure.status) \(failure.step) \(message)\n"
    }

    /// nil for no record (EOF with no data) or a malformed one.
    static func decode(_ text: String) -> SandboxFailure? {
        guard let line = text.split(separator: "\n", omittingEmptySubsequences: false).first,
              !line.isEmpty else { return nil }
        let fields = line.split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count >= 4, let errno = Int32(fields[1]), let status = Int32(fields[2])
        else { return nil }
        let index = fields[0] == "-" ? nil : Int(fields[0])
        let message = fields.count == 5 ? String(fields[4]) : ""
        return SandboxFailure(stepIndex: index, step: String(fields[3]), errno: errno,
                              message: message, status: status)
    }
}
