import CFSLanguage

/// `explain`: the real parent and child code, run against the recording kernel. The child
/// runs where it would — when the parent says "go". With a command, execve succeeds for
/// the first candidate that exists in the planned root as it is now (HostView.swift);
/// without one (`argv` nil), the placeholder `CMD` is found at the first candidate, so
/// nothing fails that a real run would not fail.
func explainRun(_ plan: Plan, argv: [String]?) -> [String] {
    let kernel = RecordingKernel()
    let root = PlannedRoot(plan)
    if argv != nil {
        let planned = root
        kernel.execveResult = { path in planned.lookup(path) }
    }
    // The files the parent reads for `limit` are this host's, as the real run reads them:
    // a cgroup v2 probe fails in explain only where it fails for real.
    let host = LinuxKernel()
    kernel.files = [:]
    for path in ["/proc/self/cgroup", "/sys/fs/cgroup/cgroup.controllers"] {
        if let text = try? host.readFile(path) { kernel.files[path] = text }
    }
    // The child's capabilities as the real run has them: cfsh's own (a root whose
    // bounding set lacks some keeps lacking them), or in a new user namespace every one
    // the kernel knows (capabilities(7), user_namespaces(7)).
    if plan.namespaces.contains(.user) {
        let last = UInt64(Int(String(decoding: (try? host.readFile("/proc/sys/kernel/cap_last_cap"))?.utf8.filter { $0 != 10 } ?? [], as: UTF8.self)) ?? 40)
        let all: UInt64 = last >= 63 ? .max : (1 << (last + 1)) - 1
        kernel.capabilitySets = CapabilitySets(effective: all, permitted: all)
    } else if let own = try? host.capget() {
        kernel.capabilitySets = own
    }
    kernel.controllingTerminal = (try? host.perform(.hasControllingTerminal).number) == 1
    var options = RunOptions()
    options.executable = "/proc/self/exe"
    let environment = root.environment
    kernel.onGo = {
        kernel.process = .child
        // The fds the parent hands over: see runParent (pipes 3,4 5,6 7,8).
        _ = childRun(kernel: kernel, planFD: 3, syncFD: 5, errorFD: 8, environment: environment)
        kernel.process = .parent
    }
    _ = runParent(plan, argv: argv ?? ["CMD"], options: options, kernel: kernel)
    root.close()
    let lines = collapsingPathSearch(withStepHeadings(kernel.records, plan: plan))
    if let argv, let name = argv.first, !name.contains("/"), root.view == nil {
        return sayingThePathSearchIsUnknown(lines, name: name)
    }
    return lines
}

/// With the planned root unknown (a mount over the tree before the exec, PlannedRoot.swift)
/// the recording kernel lets the first PATH candidate run, but the real run tries each
/// entry in the sandbox's tree until one runs: which one is not known here, so explain
/// says the search instead of naming a path it would be guessing.
func sayingThePathSearchIsUnknown(_ lines: [String], name: String) -> [String] {
    let suffix = "/" + name + "\", ["
    guard let found = lines.lastIndex(where: { $0.contains(": execve(\"") && $0.contains(suffix) }),
          let open = lines[found].firstRange(of: "execve(\""), let end = lines[found].firstRange(of: suffix)
    else { return lines }
    var result = lines
    let line = lines[found]
    result[found] = String(line[..<open.lowerBound]) + "execve(each PATH entry + \"/" + name + "\", ["
        + String(line[end.upperBound...])
        + " (tried in turn until one runs; which is not known before running: a mount changed the tree)"
    return result
}

/// Each run of calls made for one plan step under a heading with the step's place and
/// canonical text, `# step6.cfs:9:1 chroot ./rootfs`; the calls cfsh makes for no step
/// (the pipes, the clone, the maps, the command's start, the wait) after a step under
/// `# cfsh itself, no plan step`. The first calls, before any step, need no heading.
func withStepHeadings(_ records: [RecordingKernel.Record], plan: Plan) -> [String] {
    var lines: [String] = []
    var current: Int? = nil
    for record in records {
        if record.step != current {
            current = record.step
            if let index = current, plan.steps.indices.contains(index) {
                let step = plan.steps[index]
                lines.append("# " + step.location.description + " " + step.action.canonicalText)
            } else {
                lines.append(noStepHeading)
            }
        }
        lines.append(record.line)
    }
    return lines
}

let noStepHeading = "# cfsh itself, no plan step"

/// A PATH search is one execve per PATH entry until one runs; `explain` says the misses once.
func collapsingPathSearch(_ lines: [String]) -> [String] {
    var result: [String] = []
    var misses: [String] = []
    func flush() {
        if misses.count > 1, let first = misses.first, let side = first.split(separator: ":").first {
            result.append(side + ": execve(...) of each PATH entry ("
                          + String(misses.count) + " tried) = -1 ENOENT")
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
