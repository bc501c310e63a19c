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
                     environment: root.environment)
        sys.side = "parent"
    }
    _ = runParent(plan, argv: argv, options: options, sys: sys)
    var mutableRoot = root
    mutableRoot.close()
    return collapsingPathSearch(sys.calls)
}

/// A PATH search that found nothing is one line per PATH entry; `explain` says it once.
func collapsingPathSearch(_ lines: [String]) -> [String] {
    var result: [String] = []
    var misses: [String] = []
    func flush() {
        if misses.count > 1, let first = misses.first, let side = first.split(separator: ":").first {
            result.append("\(side): execve(...) of each PATH entry (\(misses.count) tried) = -1 ENOENT")
        } else {
            result += misses
        }
        misses = []
    }
    for line in lines {
        if line.contains(": execve(") && line.hasSuffix("= -1 ENOENT") {
            misses.append(line)
        } else {
            flush()
            result.append(line)
        }
    }
    flush()
    return result
}
