#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// `set user UID[:GID]`, just before execve: groups first, then gid, then uid — once
/// the uid is dropped the others could no longer be changed. Without GID the group is
/// the same number as the user (there is no /etc/passwd the engine may trust).
func childSetUser(_ user: UserIDs, sys: Syscalls) throws {
    let gid = user.gid ?? user.uid
    try sys.attempt("setgroups", "\(gid)") { try sys.setgroups([gid]) }
    try sys.attempt("setresgid", "\(gid)") { try sys.setresgid(gid) }
    try sys.attempt("setresuid", "\(user.uid)") { try sys.setresuid(user.uid) }
}
