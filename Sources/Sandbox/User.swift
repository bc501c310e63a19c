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
func childSetUser(_ user: UserIDs, inUserNamespace: Bool = false, sys: Syscalls) throws {
    let gid = user.gid ?? user.uid
    do {
        try sys.attempt("setgroups", "\(gid)") { try sys.setgroups([gid]) }
    } catch var error as StepError where inUserNamespace && error.errno.rawValue == EPERM {
        error.reason = "denied in a user namespace made without root (user_namespaces(7),"
            + " /proc/PID/setgroups): `set user` needs cfsh run as root"
        throw error
    }
    try sys.attempt("setresgid", "\(gid)") { try sys.setresgid(gid) }
    try sys.attempt("setresuid", "\(user.uid)") { try sys.setresuid(user.uid) }
}
