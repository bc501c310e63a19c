import CFSLanguage

// `rlimit NAME SOFT[:HARD]` (setrlimit(2)), in the child, in the order written. The
// limits are inherited by the command across execve. An unprivileged process (root of
// a user namespace included: the check is against the initial namespace) cannot raise
// a hard limit: EPERM then, as setrlimit(2) says.

/// RLIMIT_* numbers of <asm-generic/resource.h>, which x86-64 and arm64 use.
func resourceNumber(_ name: ResourceLimit.Name) -> Int32 {
    switch name {
    case .cpu: return 0
    case .fsize: return 1
    case .data: return 2
    case .stack: return 3
    case .core: return 4
    case .rss: return 5
    case .nproc: return 6
    case .nofile: return 7
    case .memlock: return 8
    case .as: return 9
    case .locks: return 10
    case .sigpending: return 11
    case .msgqueue: return 12
    case .nice: return 13
    case .rtprio: return 14
    case .rttime: return 15
    }
}

func childSetResourceLimit(_ limit: ResourceLimit, kernel: any Kernel) throws(SandboxFailure) {
    // nil is `unlimited`: RLIM_INFINITY, all ones.
    let soft = limit.soft ?? UInt64.max, hard = limit.hard ?? UInt64.max
    try kernel.attempt("rlimit", limit.name.rawValue) { () throws(Errno) in
        try kernel.setrlimit(resourceNumber(limit.name), soft: soft, hard: hard)
    }
}
