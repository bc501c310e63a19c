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
func childDropCapabilities(_ caps: Capabilities, kernel: any Kernel) throws(SandboxFailure) {
    switch caps {
    case .all: try childRemoveCapabilities(Array(Capability.names.indices), named: false, kernel: kernel)
    case .some(let list): try childRemoveCapabilities(list.map(\.number), named: true, kernel: kernel)
    }
}

/// `cap keep`: every capability but the named ones.
func childKeepCapabilities(_ caps: Capabilities, kernel: any Kernel) throws(SandboxFailure) {
    guard case .some(let list) = caps else { return }  // `cap keep all`: nothing to drop
    let kept = Set(list.map(\.number))
    try childRemoveCapabilities(Capability.names.indices.filter { !kept.contains($0) },
                                named: false, kernel: kernel)
}

/// `named`: the user listed them, so a capability this kernel does not know (EINVAL)
/// is an error; otherwise it is simply not there to drop.
private func childRemoveCapabilities(_ numbers: [Int], named: Bool, kernel: any Kernel) throws(SandboxFailure) {
    var mask: UInt64 = 0
    for number in numbers {
        mask |= 1 << UInt64(number)
        do throws(Errno) {
            try kernel.dropBoundingCapability(number)
        } catch where error.rawValue == EINVAL && !named {
            continue
        } catch {
            throw SandboxFailure.setup("cap", "bounding set: " + capabilityName(number), error,
                                       index: nil)
        }
    }
    // Two attempts, so that a failure names the call that failed (an injected capset
    // failure was reported as "capget": issue 11, item 1).
    var sets = CapabilitySets()
    try kernel.attempt("cap", "capget") { () throws(Errno) in sets = try kernel.capget() }
    sets.effective &= ~mask
    sets.permitted &= ~mask
    sets.inheritable &= ~mask
    try kernel.attempt("cap", "capset") { () throws(Errno) in try kernel.capset(sets) }
    try kernel.attempt("cap", "clearing the ambient set") { () throws(Errno) in try kernel.clearAmbientCapabilities() }
}

/// `no_new_privs`: execve can no longer grant privileges (set-user-ID bits, file
/// capabilities are ignored), for the command and everything it starts; it cannot be
/// unset (prctl(2), PR_SET_NO_NEW_PRIVS). Needs no privilege.
func childSetNoNewPrivs(kernel: any Kernel) throws(SandboxFailure) {
    try kernel.attempt("no_new_privs", "prctl") { () throws(Errno) in try kernel.setNoNewPrivs() }
}
