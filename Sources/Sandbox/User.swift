#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// `set user UID[:GID]`, just before execve: groups first, then gid, then uid — once
/// the uid is dropped the others could no longer be changed. Without GID the group is
/// the same number as the user (there is no /etc/passwd the engine may trust).
///
/// In a user namespace made without root, the parent denied setgroups(2) (IDMaps.swift):
/// it then fails with EPERM, and the message says why rather than just "not permitted".
func childSetUser(_ user: UserIDs, inUserNamespace: Bool = false, kernel: any Kernel) throws(SandboxFailure) {
    let gid = user.gid ?? user.uid
    // Whose child this is before the ids change: see the end.
    let parent = kernel.getppid()
    do throws(SandboxFailure) {
        try kernel.attempt("setgroups", "\(gid)") { () throws(Errno) in try kernel.setgroups([gid]) }
    } catch where inUserNamespace && error.errno == EPERM {
        throw SandboxFailure.setup("setgroups", String(gid), Errno(EPERM), index: nil, reason:
            "denied in a user namespace made without root (user_namespaces(7),"
            + " /proc/PID/setgroups): `set user` needs cfsh run as root")
    }
    try kernel.attempt("setresgid", "\(gid)") { () throws(Errno) in try kernel.setresgid(gid) }
    try kernel.attempt("setresuid", "\(user.uid)") { () throws(Errno) in try kernel.setresuid(user.uid) }
    // A change of the effective ids clears the death signal the clone3 shim armed
    // (prctl(2), PR_SET_PDEATHSIG): armed again, so that without an init the command
    // still dies with cfsh. If its parent died meanwhile, no signal will come: say so.
    try kernel.attempt("prctl", "PR_SET_PDEATHSIG") { () throws(Errno) in
        _ = try kernel.perform(.setParentDeathSignal(SIGKILL))
    }
    if kernel.getppid() != parent {
        throw SandboxFailure.setup("set user", "its parent", Errno(ESRCH), index: nil,
                                   reason: "exited while the ids changed")
    }
}
