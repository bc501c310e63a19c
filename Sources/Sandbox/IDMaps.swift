#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// User namespace, parent side (user_namespaces(7)): the uid and gid maps of the child's
// new user namespace, written by the parent between clone and the child's re-exec (see
// `cfs_clone3_exec`: the child only execs once they exist, so it starts as uid 0 with
// every capability in its namespaces). Rootless, as `unshare -r`: the invoking user's
// real uid and gid become 0 inside when the plan has no `map` lines.

/// The lines of one map file: the plan's `map` lines, or `0 OUTSIDE 1`.
func idMapText(_ maps: [IDMap], invoking outside: UInt32) -> String {
    let lines = maps.isEmpty ? [IDMap(inside: 0, outside: outside, count: 1)] : maps
    return lines.map { "\($0.inside) \($0.outside) \($0.count)\n" }.joined()
}

/// uid_map, then setgroups, then gid_map, in the order the kernel requires: an
/// unprivileged writer may write gid_map only after "deny" is in /proc/PID/setgroups
/// (user_namespaces(7), "The /proc/[pid]/setgroups file"). Root is allowed to write
/// gid_map either way, and leaves setgroups(2) allowed so that `set user` can still
/// drop supplementary groups inside; denying it is what makes rootless safe (a user
/// cannot drop a group used to deny them access), and it is why rootless `set user`
/// fails at setgroups.
func parentWriteIDMaps(_ plan: Plan, pid: pid_t, kernel: any Kernel) throws(SandboxFailure) {
    let invoking = kernel.invokingUser()
    func write(_ file: String, _ text: String) throws(SandboxFailure) {
        do { try kernel.writeFile("/proc/" + String(pid) + "/" + file, text) } catch {
            let shown = text.split(separator: "\n").joined(separator: ", ")
            var failure = SandboxFailure.setup(file, shown, error, index: nil)
            if error.rawValue == EPERM && invoking.euid != 0 {
                failure.message += " (without root only your own uid and gid can be mapped:"
                    + " uid \(invoking.uid), gid \(invoking.gid))"
            }
            throw failure
        }
    }
    try write("uid_map", idMapText(plan.uidMaps, invoking: invoking.uid))
    if invoking.euid != 0 { try write("setgroups", "deny\n") }
    try write("gid_map", idMapText(plan.gidMaps, invoking: invoking.gid))
}
