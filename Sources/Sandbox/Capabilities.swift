#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// `cap drop NAME...|all`, `cap keep NAME...` and `no_new_privs` (capabilities(7),
// prctl(2)), in the child.
//
// Applied where they are written, like every step, not deferred to just before execve:
// the order written is the order things happen, and `explain` and `set trace` show it.
// So a step after `cap drop sys_admin` that needs CAP_SYS_ADMIN (a mount) fails with
// EPERM — put cap steps last. So does `set user` after a drop of setuid/setgid, since it
// runs just before execve. (runc defers capabilities to after setuid instead; cfsh
// keeps one order the user can read.)
//
// Each cap step removes capabilities from every set that matters for the command:
// - the bounding set first (PR_CAPBSET_DROP needs CAP_SETPCAP, which capset may drop):
//   for root, execve grants permitted = inheritable | bounding (capabilities(7),
//   "Transformation of capabilities during execve()"), so without this root would
//   get them all back on exec;
// - effective, permitted and inheritable with capset;
// - the ambient set is cleared (it could only hold what was permitted anyway).

/// `cap drop`: the named capabilities, or all.
func childDropCapabilities(_ caps: Capabilities, sys: Syscalls) throws {
    switch caps {
    case .all: try childRemoveCapabilities(Array(Capability.names.indices), named: false, sys: sys)
    case .some(let list): try childRemoveCapabilities(list.map(\.number), named: true, sys: sys)
    }
}

/// `cap keep`: every capability but the named ones.
func childKeepCapabilities(_ caps: Capabilities, sys: Syscalls) throws {
    guard case .some(let list) = caps else { return }  // `cap keep all`: nothing to drop
    let kept = Set(list.map(\.number))
    try childRemoveCapabilities(Capability.names.indices.filter { !kept.contains($0) },
                                named: false, sys: sys)
}

/// `named`: the user listed them, so a capability this kernel does not know (EINVAL)
/// is an error; otherwise it is simply not there to drop.
private func childRemoveCapabilities(_ numbers: [Int], named: Bool, sys: Syscalls) throws {
    var mask: UInt64 = 0
    for number in numbers {
        mask |= 1 << UInt64(number)
        do {
            try sys.dropBoundingCapability(number)
        } catch let error as Errno where error.rawValue == EINVAL && !named {
            continue
        } catch let error as Errno {
            throw StepError(step: "cap", subject: "bounding set: \(SyscallText.capability(number))",
                            errno: error)
        }
    }
    try sys.attempt("cap", "capget") {
        var sets = try sys.capget()
        sets.effective &= ~mask
        sets.permitted &= ~mask
        sets.inheritable &= ~mask
        try sys.capset(sets)
    }
    try sys.attempt("cap", "clearing the ambient set") { try sys.clearAmbientCapabilities() }
}

/// `no_new_privs`: execve can no longer grant privileges (set-user-ID bits, file
/// capabilities are ignored), for the command and everything it starts; it cannot be
/// unset (prctl(2), PR_SET_NO_NEW_PRIVS). Needs no privilege.
func childSetNoNewPrivs(sys: Syscalls) throws {
    try sys.attempt("no_new_privs", "prctl") { try sys.setNoNewPrivs() }
}
