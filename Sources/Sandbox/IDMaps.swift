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
func idMapLines(_ maps: [IDMap], invoking outside: UInt32) -> [IDMap] {
    maps.isEmpty ? [IDMap(inside: 0, outside: outside, count: 1)] : maps
}

/// The text of one map file.
func idMapText(_ maps: [IDMap], invoking outside: UInt32) -> String {
    var text = ""   // not `joined`: see `concatenated`
    for m in idMapLines(maps, invoking: outside) {
        text += String(m.inside) + " " + String(m.outside) + " " + String(m.count) + "\n"
    }
    return text
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
    func write(_ file: String, _ text: String, maps: [IDMap]) throws(SandboxFailure) {
        do { try kernel.writeFile("/proc/" + String(pid) + "/" + file, text) } catch {
            let shown = text.split(separator: "\n").joined(separator: ", ")
            var failure = SandboxFailure.setup(file, shown, error, index: nil)
            // Which of user_namespaces(7)'s rules was broken: looked at only now.
            failure.cause = parentLookWhyIDMapFailed(error, file: file, written: maps, pid: pid, kernel: kernel)
            throw failure
        }
    }
    try write("uid_map", idMapText(plan.uidMaps, invoking: invoking.uid),
              maps: idMapLines(plan.uidMaps, invoking: invoking.uid))
    if invoking.euid != 0 { try write("setgroups", "deny\n", maps: []) }
    try write("gid_map", idMapText(plan.gidMaps, invoking: invoking.gid),
              maps: idMapLines(plan.gidMaps, invoking: invoking.gid))
}

/// Whether `maps` give the namespace an id 0: the default map (`0 OUTSIDE 1`) does; a
/// plan's own lines may not, and then nothing inside holds the namespace's capabilities.
func mapsRoot(_ maps: [IDMap]) -> Bool {
    maps.isEmpty || maps.contains { $0.inside == 0 && $0.count > 0 }
}

/// The maps pipe, and what the re-exec does once the byte arrives: become the uid and
/// gid 0 of its namespace where the maps have one (see `cfs_clone3_exec`: root outside
/// is unmapped by `map uid 0 1000 1`, and execve by an unmapped uid keeps no capability).
struct MapsHandover {
    var read: Int32
    var write: Int32
    var becomeRootUID: Bool
    var becomeRootGID: Bool

    init(_ pipe: (read: Int32, write: Int32), plan: Plan) {
        read = pipe.read
        write = pipe.write
        becomeRootUID = mapsRoot(plan.uidMaps)
        becomeRootGID = mapsRoot(plan.gidMaps)
    }
}

/// Why a step was refused in a user namespace whose maps make no uid 0: said instead of
/// the bare EPERM (or a guess about root), since that, not the step, is the cause.
func childNamingUnmappedRoot(_ failure: SandboxFailure, plan: Plan) -> SandboxFailure {
    guard failure.errno == EPERM, plan.namespaces.contains(.user), !mapsRoot(plan.uidMaps)
    else { return failure }
    var named = failure
    named.message = failure.step + ": " + unmappedRootReason
    // The message is the cause: no second one beside it (KernelErrors.swift).
    named.cause = nil
    return named
}

let unmappedRootReason = "the plan maps no uid 0 inside the user namespace, so the sandbox"
    + " holds no capabilities there (user_namespaces(7)); add 'map uid 0 OUTSIDE 1'"
