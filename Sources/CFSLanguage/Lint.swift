/// Lint: the warnings of the language. A warning says that a plan will not do what it
/// looks like it does; it never stops a run and never changes an exit status (errors
/// stay errors: PlanBuilder.swift). `compile` (Compile.swift) is the one caller: it
/// asks for the steps' warnings at every `exec`/`step` and at the end of the text,
/// and for the run warnings at every `exec`/`step`; `set lint off` silences them.
///
/// Each rule is a claim about the kernel, proven against a real sandbox (LintClaimTests):
/// 1. a mount covered by a later mount on the same target or on a parent of it: a
///    mount hides what was at its target (mount(8)), so while the later one is there
///    no path leads to the earlier one (it is still listed in /proc/self/mountinfo);
/// 2. a mount left outside the new root by `chroot` (paths start at the new root:
///    chroot(2)) or `pivot_root` (cfsh detaches the old root with every mount outside
///    DIR: pivot_root(2), umount2(2) MNT_DETACH);
/// 3. `unshare pid` without a proc mounted for it at the command's /proc: procfs shows
///    the PID namespace of whoever mounted it (pid_namespaces(7), "/proc and PID
///    namespaces"), so `ps` reads the host's (or, after a root change, whatever the new
///    root's /proc holds);
/// 4. `chroot` while the command keeps CAP_SYS_CHROOT and no `pivot_root`: root leaves
///    a chroot (chroot(2), NOTES; SafetyTests' escape);
/// 5. a step with no effect: `unset env` of a name the command's environment does not
///    have, `clear env` of an environment already empty, a `cap` step that removes no
///    capability not already removed, `no_new_privs` or `net up` given again, an
///    `unshare` of namespaces all already unshared.
///
/// Paths are compared as written, made absolute lexically (a mount changes the tree,
/// so the planned root, RootView, is not followed past one). Where that could be wrong
/// — a symlink on the path, an `umount`, a bind or overlay whose source shows the
/// covered mount's tree — no warning is given: a wrong warning is worse than none.

/// Rules 1, 2 and 5 (steps): what the plan's steps say of themselves, whatever runs.
/// `environment` looks up a variable of cfsh's own environment (which the command
/// inherits: Sandbox's Environment.swift); `host` checks paths for symlinks.
func stepWarnings(_ plan: Plan, startingDirectory: String, environment: (String) -> String?,
                  host: HostFacts?) -> List<Diagnostic> {
    var walk = MountWalk(plan: plan, startingDirectory: startingDirectory, host: host)
    walk.run()
    return (walk.warnings + noOpWarnings(plan, environment: environment)).sorted {
        ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
    }
}

/// Rules 3 and 4: what running `exec`'s command in the plan's sandbox will show.
func runWarnings(_ plan: Plan, exec location: SourceLocation, startingDirectory: String,
                 host: HostFacts?) -> List<Diagnostic> {
    var warnings = List<Diagnostic>()
    if let chroot = escapableChroot(plan) {
        warnings.append(Diagnostic("chroot can be left by root in the sandbox (chroot(2)); 'pivot_root DIR' cannot",
                                   at: chroot.location,
                                   fix: "use 'pivot_root DIR' to isolate the root (with 'unshare mount'), or 'cap drop sys_chroot' after it",
                                   severity: .warning))
    }
    if plan.namespaces.contains(.pid) {
        var walk = MountWalk(plan: plan, startingDirectory: startingDirectory, host: host)
        walk.run()
        if let problem = walk.procProblem() {
            let addMount = plan.namespaces.contains(.mount) ? "" : "'unshare mount', then "
            var fix = "add \(addMount)'mount proc /proc'\(walk.root == "/" ? "" : " after the root change"): a proc shows the PID namespace of the process that mounts it"
            // In a user namespace proc cannot be mounted after pivot_root (PlanBuilder's
            // procAfterPivotRoot): the fix is the one that error gives.
            if plan.namespaces.contains(.user), let pivot = plan.steps.last(where: { $0.action.isPivotRoot }),
               case .pivotRoot(let directory) = pivot.action {
                let inside = directory.hasSuffix("/") ? directory + "proc" : directory + "/proc"
                fix = "add 'mount proc \(inside)' before 'pivot_root \(directory)': a proc shows the PID namespace of the process that mounts it"
            }
            warnings.append(Diagnostic(problem, at: location, fix: fix, severity: .warning))
        }
    }
    return warnings
}

/// Rule 5 for `unshare`: nil when it adds a namespace.
func unshareWarning(_ list: List<Namespace>, to plan: Plan, at location: SourceLocation) -> Diagnostic? {
    let asked = Namespaces(list)
    guard !asked.isEmpty, plan.namespaces.isSuperset(of: asked) else { return nil }
    return Diagnostic("'unshare \(asked.names)' has no effect: the plan already unshares \(list.count == 1 ? "it" : "them")",
                      at: location, fix: "delete this line (an 'unshare' adds to the plan's namespaces)",
                      severity: .warning)
}

/// Rule 4, the conditions of the warning the session printed before lint owned it: a
/// `chroot` (the first), no `pivot_root`, and a command that can still chroot — not a
/// `set user` to a uid other than 0 (setresuid clears the capabilities), nor after a
/// `cap` step that removes sys_chroot.
func escapableChroot(_ plan: Plan) -> PlanStep? {
    var chroot: PlanStep?
    for step in plan.steps {
        switch step.action {
        case .chroot: chroot = chroot ?? step
        case .pivotRoot: return nil
        case .capDrop, .capKeep:
            if step.action.removedCapabilities & 1 << 18 != 0 { return nil }  // CAP_SYS_CHROOT
        default: break
        }
    }
    if let user = plan.user, user.uid != 0 { return nil }
    return chroot
}

/// How many variable names rule 5 follows (each step looks through them).
private let mostNames = 256

/// Rule 5 for steps.
private func noOpWarnings(_ plan: Plan, environment: (String) -> String?) -> List<Diagnostic> {
    var warnings = List<Diagnostic>()
    func warn(_ message: String, _ step: PlanStep, fix: String = "delete this line") {
        warnings.append(Diagnostic(message, at: step.location, fix: fix, severity: .warning))
    }
    // The command's environment as the env steps leave it: cfsh's own, changed in order.
    var cleared: SourceLocation?
    var set: [String] = []
    var unset: [String] = []
    var removed: UInt64 = 0
    var removedAt: SourceLocation?
    var noNewPrivsAt: SourceLocation?
    var upAt = List<(String, SourceLocation)>()
    for step in plan.steps {
        if warnings.count > maxDiagnostics { break }  // compile shows no more than that
        // Past `mostNames` names the environment is not followed: lint stays linear.
        let followed = set.count + unset.count <= mostNames
        switch step.action {
        case .setEnv(let name, _) where followed:
            set.append(name)
            unset.removeAll { $0 == name }
        case .unsetEnv(let name) where followed:
            let present = set.contains(name) || (cleared == nil && !unset.contains(name) && environment(name) != nil)
            if !present {
                let why = unset.contains(name) ? "an earlier 'unset env' removed it"
                    : cleared.map { "'clear env' \(place($0, from: step.location)) emptied it" }
                    ?? "it is not in cfsh's environment, which the command inherits, and the plan does not set it"
                warn("'unset env \(name)' has no effect: \(why)", step)
            }
            set.removeAll { $0 == name }
            unset.append(name)
        case .clearEnv where followed:
            if let cleared, set.isEmpty {
                warn("'clear env' has no effect: the environment is already empty ('clear env' \(place(cleared, from: step.location)))", step)
            }
            cleared = step.location
            set = []
            unset = []
        case .capDrop, .capKeep:
            let removes = step.action.removedCapabilities
            if removes & ~removed == 0 {
                if removes == 0 {
                    warn("'cap keep' of every capability removes none", step,
                         fix: "delete this line, or name only the capabilities to keep")
                } else {
                    warn("this cap step removes no capability: the cap step \(removedAt.map { place($0, from: step.location) } ?? "before") already removed them", step)
                }
            } else {
                removed |= removes
                removedAt = step.location
            }
        case .noNewPrivs:
            if let noNewPrivsAt {
                warn("'no_new_privs' has no effect: it is already set, \(place(noNewPrivsAt, from: step.location)), and cannot be unset (prctl(2))", step)
            } else {
                noNewPrivsAt = step.location
            }
        case .netUp(let interface):
            if let earlier = upAt.first(where: { $0.0 == interface }) {
                warn("'net up \(interface)' has no effect: it is already up, \(place(earlier.1, from: step.location))", step)
            } else {
                upAt.append((interface, step.location))
            }
        default: break
        }
    }
    return warnings
}

/// Rules 1, 2 and (its last state) 3: the plan's mounts walked in order, with where each
/// is on the host, which the root changes leave reachable and which later mounts cover.
private struct MountWalk {
    let plan: Plan
    let host: HostFacts?
    /// The root as a host path, and the working directory inside it, as written.
    var root = "/"
    var cwd: String
    struct Placed {
        var step: Int
        var target: String
    }
    /// The plan's mounts that can still be seen, in order (the last is the topmost).
    var visible = List<Placed>()
    var warnings = List<Diagnostic>()
    /// Rule 1's warnings wait for the end: an `umount` of the covering mount shows the
    /// covered one again.
    var covered = List<(hidden: Placed, by: Placed)>()

    init(plan: Plan, startingDirectory: String, host: HostFacts?) {
        self.plan = plan
        self.host = host
        cwd = startingDirectory
    }

    /// A path as written, made absolute inside the root and then on the host.
    /// (RootView's `inside` and `hostPath` join the paths; only the normalising is lint's,
    /// since lint follows past mounts lexically, where RootView stops.)
    func hostPath(_ written: String) -> String {
        let view = RootView(root: root, cwd: cwd)
        return view.hostPath(lexicallyNormalised(view.inside(written))) ?? root
    }

    /// More mounts than this at once are not followed (each mount is compared with every
    /// visible one: a plan of 100,000 mounts stays fast, and unwarned).
    static let mostMounts = 256
    var gaveUp = false

    mutating func run() {
        for (index, step) in plan.steps.enumerated() {
            // Past PATH_MAX (as RootView) or that many mounts, nothing is followed.
            if visible.count > MountWalk.mostMounts || cwd.utf8.count > RootView.longestPath
                || root.utf8.count > RootView.longestPath {
                gaveUp = true
                warnings = List()
                covered = List()
                return
            }
            switch step.action {
            case .chdir(let directory):
                cwd = lexicallyNormalised(RootView(root: root, cwd: cwd).inside(directory))
            case .chroot(let directory), .pivotRoot(let directory):
                let newRoot = hostPath(directory)
                for placed in visible where !related(placed.target, newRoot) {
                    lost(placed, to: index, newRoot: newRoot)
                }
                visible.removeAll { !related($0.target, newRoot) }
                root = newRoot
                cwd = "/"
            case .mount(let mount):
                let placed = Placed(step: index, target: hostPath(mount.target))
                var stillVisible = List<Placed>()
                for earlier in visible {
                    if isWithin(earlier.target, placed.target) && !shows(mount, earlier.target) {
                        covered.append((earlier, placed))
                    } else {
                        stillVisible.append(earlier)
                    }
                }
                stillVisible.append(placed)
                visible = stillVisible
            case .umount(let target):
                // The tree changes in a way not followed here: forget what it touches.
                let path = hostPath(target)
                covered.removeAll { related($0.by.target, path) || related($0.hidden.target, path) }
                visible.removeAll { related($0.target, path) }
            default:
                break
            }
        }
        for (hidden, by) in covered.prefix(maxDiagnostics + 1) where !hasSymlink(hidden.target) && !hasSymlink(by.target) {
            let covering = plan.steps[by.step]
            let how = hidden.target == by.target ? "on the same target" : "on \(by.target), a parent of its target"
            warnings.append(Diagnostic("this mount is covered by the mount \(place(covering.location, from: plan.steps[hidden.step].location)) \(how): while that one is mounted, no path in the sandbox leads to this one (mount(8): a mount hides what was at its target)",
                                       at: plan.steps[hidden.step].location,
                                       fix: "delete one of the two, or make this mount after that one",
                                       severity: .warning))
        }
    }

    /// Rule 2: a mount the root change at `index` leaves outside the new root.
    mutating func lost(_ placed: Placed, to index: Int, newRoot: String) {
        guard !hasSymlink(placed.target), !hasSymlink(newRoot) else { return }
        let change = plan.steps[index]
        let mount = plan.steps[placed.step]
        let (verb, why): (String, String)
        if case .pivotRoot = change.action {
            (verb, why) = ("pivot_root", "it is detached with the old root and is gone from the sandbox's mounts")
        } else {
            (verb, why) = ("chroot", "after chroot(2) paths start at the new root, and no path in the sandbox leads to it")
        }
        warnings.append(Diagnostic("this mount is outside the new root of '\(verb)' \(place(change.location, from: mount.location)) (\(newRoot)): \(why)",
                                   at: mount.location,
                                   fix: "make it after the '\(verb)' (its target is then inside the new root), or on a target under \(newRoot)",
                                   severity: .warning))
    }

    /// Whether `mount`, made over `coveredTarget`, still shows what was mounted there:
    /// a bind of a path in it (or, recursive, above it: the submount comes along), or an
    /// overlay with a layer in or above it.
    func shows(_ mount: Mount, _ coveredTarget: String) -> Bool {
        switch mount.kind {
        case .bind:
            return mount.source.map { isWithin(hostPath($0), coveredTarget) } ?? true
        case .rbind:
            return mount.source.map { related(hostPath($0), coveredTarget) } ?? true
        case .overlay:
            for option in mount.options {
                guard let equals = option.firstIndex(of: "=") else { continue }
                for layer in option[option.index(after: equals)...].split(separator: ":")
                    where related(hostPath(String(layer)), coveredTarget) {
                    return true
                }
            }
            return false
        case .proc, .sysfs, .tmpfs, .dev:
            return false
        }
    }

    /// Rule 3: what the command's /proc is, when it is not a proc mounted in the new PID
    /// namespace; nil when it is, or when this cannot tell.
    func procProblem() -> String? {
        if gaveUp { return nil }
        let proc = root == "/" ? "/proc" : root + "/proc"
        // A proc mounted there by the plan is the new namespace's; any other mount
        // there or above it is not guessed at.
        if visible.contains(where: { isWithin(proc, $0.target) }) { return nil }
        if root == "/" {
            return "'unshare pid' without a /proc of its own: /proc is still the host's, so ps and /proc show the host's processes, with the host's PIDs"
        }
        let shown = "/proc in the new root (\(proc))"
        guard let host else {
            return "'unshare pid' without a /proc of its own: \(shown) is not a proc of the new PID namespace, so ps does not show the sandbox's processes"
        }
        switch host.listDirectory(proc, in: RootView(root: "/", cwd: "/")) {
        case .some(let entries) where entries.isEmpty:
            return "'unshare pid' without a /proc of its own: \(shown) is an empty directory, so ps finds no processes"
        case .some:
            return "'unshare pid' without a /proc of its own: \(shown) is not a proc of the new PID namespace, so ps shows what is there, not the sandbox's processes"
        case .none:
            return "'unshare pid' without a /proc of its own: the new root has no /proc directory, so ps finds no processes"
        }
    }

    /// Whether the host path goes through a symlink (then lexical comparisons may be
    /// wrong); false when it does not exist on the host or there is no host to ask.
    func hasSymlink(_ path: String) -> Bool {
        guard let host else { return false }
        if case .directory(let resolved) = host.lookup(path, in: RootView(root: "/", cwd: "/")) {
            return resolved != path
        }
        return false
    }
}

/// Where another command is, as a message about `here` says it: "at line 3", or on the
/// same line (a `-c` one-liner), "at column 20".
private func place(_ there: SourceLocation, from here: SourceLocation) -> String {
    if there.file != here.file { return "at \(there)" }
    return there.line == here.line ? "at column \(there.column)" : "at line \(there.line)"
}

/// `path` equal to `base` or below it.
private func isWithin(_ path: String, _ base: String) -> Bool {
    if base == "/" { return true }
    return path == base || path.hasPrefix(base + "/")
}

/// One is within the other.
private func related(_ a: String, _ b: String) -> Bool { isWithin(a, b) || isWithin(b, a) }

/// An absolute path with `.`, `..` and repeated slashes taken out as the kernel would
/// without symlinks (`..` of `/` is `/`: path_resolution(7)).
/// Over the bytes, not `split`/`joined`: lint runs on every start, and those built
/// `[Substring]`'s metadata and looked up `joined`'s conformances on first use — 0.43 ms
/// of each start's CPU in `scripts/profile`, the largest single share of the parent's.
func lexicallyNormalised(_ path: String) -> String {
    var out: [UInt8] = []
    var kept: [Int] = []   // where each kept component (with its "/") starts in `out`
    let bytes = Array(path.utf8)
    var start = 0
    while start < bytes.count {
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
        let length = end - start
        if length == 0 || (length == 1 && bytes[start] == UInt8(ascii: ".")) {
            // an empty component (repeated or trailing slash) or "."
        } else if length == 2 && bytes[start] == UInt8(ascii: ".") && bytes[start + 1] == UInt8(ascii: ".") {
            if let last = kept.popLast() { out.removeSubrange(last...) }
        } else {
            kept.append(out.count)
            out.append(UInt8(ascii: "/"))
            out.append(contentsOf: bytes[start..<end])
        }
        start = end + 1
    }
    return out.isEmpty ? "/" : String(decoding: out, as: UTF8.self)
}
