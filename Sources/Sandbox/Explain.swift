import CFSLanguage

/// `explain`: the real parent and child code, run against `RecordingSyscalls`. The child
/// runs where it would — when the parent says "go" — and execve succeeds for the first
/// candidate that exists in the planned root as it is now.
func explainRun(_ plan: Plan, argv: [String]) -> [String] {
    let sys = RecordingSyscalls()
    let root = PlannedRoot(plan)
    sys.execveResult = { path in root.lookup(path) }
    var options = RunOptions()
    options.executable = "/proc/self/exe"
    sys.onGo = {
        sys.side = "child"
        // The fds the parent hands over: see runParent (pipes 3,4 5,6 7,8).
        _ = childRun(sys: sys, planFD: 3, syncFD: 5, errorFD: 8,
                     environment: root.environment.entries)
        sys.side = "parent"
    }
    _ = runParent(plan, argv: argv, options: options, sys: sys)
    var mutableRoot = root
    mutableRoot.close()
    return sys.calls
}
