/// Folds plan commands into a `Plan`, checking every pre-run rule of DESIGN.md when the
/// command is added, so the REPL can use it line by line and a script reports each
/// error at its line. A refused command leaves the plan unchanged.
///
/// Rules (the choices where DESIGN.md is silent are marked *):
/// - `set hostname`/`set domainname` need `unshare uts`; `mount`, `umount`, `pivot_root`
///   need `unshare mount`; `map` needs `unshare user`; `net up` needs `unshare net`,
///   all *earlier* in the plan.
/// - Without root and without `unshare user`, only steps an ordinary user may take are
///   accepted (`set env`/`unset env`/`clear env`, `chdir`, `rlimit`, `no_new_privs`,
///   `set trace`, `set init`, and `unshare` when its list includes `user`).
/// - Given twice is an error for: hostname, domainname, `set user`, `set init`, the same
///   `limit`, the same `rlimit`. *`set trace` may be given again (the last wins: it is a
///   debugging switch). *`unshare` of a namespace already unshared is harmless.
///   *`map` lines may not overlap (inside or outside), at most 340 per kind, as the
///   kernel requires (user_namespaces(7)).
/// - `chroot DIR` and `pivot_root DIR` must name an existing directory. The path is
///   resolved against earlier `chroot`/`pivot_root`/`chdir` steps when there are any
///   (`chroot /r; chroot /inner` checks `/r/inner`); otherwise a relative path is
///   passed to `HostFacts` as written (relative to cfsh's working directory).
public struct PlanBuilder: Sendable {
    public private(set) var plan = Plan()
    /// What one `add` changed, so `undo` can take exactly that back in O(1).
    private struct Entry: Sendable {
        var command: PlanCommand
        var newNamespaces: [Namespace]
        var previousTrace: Bool
        var previousRoot: String?
        var previousCwd: String?
        var previousPathsKnown: Bool
    }
    private var added: [Entry] = []
    /// Where each once-only setting was given ("hostname", "limit pids", "rlimit nofile").
    /// A list, not a dictionary: there are at most two dozen such keys, and a dictionary
    /// of String keys costs the re-executed child (which decodes the plan with this
    /// builder) a runtime conformance lookup and its hashing code on every start.
    private var settings: [(key: String, location: SourceLocation)] = []
    /// Host paths of the child's root and working directory after the steps so far
    /// (nil: the host's own, unknown to us).
    private var root: String?
    private var cwd: String?
    /// False once a resolved path grew past PATH_MAX (4096): from then on chroot and
    /// pivot_root directories are not checked. Keeps `cd a` × 100,000 linear.
    private var pathsKnown = true

    public init() {}

    public var isEmpty: Bool { added.isEmpty }

    /// Adds the command, or returns why not (the plan is then unchanged).
    public mutating func add(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> [Diagnostic] {
        if let problem = check(command, at: location, host: host) { return [problem] }
        var newNamespaces: [Namespace] = []
        if case .unshare(let list) = command {
            newNamespaces = Namespace.allCases.filter { list.contains($0) && !plan.namespaces.contains($0) }
        }
        added.append(Entry(command: command, newNamespaces: newNamespaces, previousTrace: plan.trace,
                           previousRoot: root, previousCwd: cwd, previousPathsKnown: pathsKnown))
        apply(command, at: location)
        return []
    }

    /// Drops the last added command, whatever it was. False when there is none.
    public mutating func undo() -> Bool {
        guard let e = added.popLast() else { return false }
        if let key = onceKey(e.command) { settings.removeAll { $0.key == key } }
        switch e.command {
        case .unshare: plan.namespaces.subtract(e.newNamespaces)
        case .map(.uid, _): plan.uidMaps.removeLast()
        case .map(.gid, _): plan.gidMaps.removeLast()
        // A limit, init or user given once can only have been the default before.
        case .limit(.pids): plan.limits.pids = nil
        case .limit(.memoryBytes): plan.limits.memoryBytes = nil
        case .limit(.cpuMillis): plan.limits.cpuMillis = nil
        case .setTrace: plan.trace = e.previousTrace
        case .setInit: plan.initProcess = true
        case .setUser: plan.user = nil
        case .step:
            plan.steps.removeLast()
            root = e.previousRoot
            cwd = e.previousCwd
            pathsKnown = e.previousPathsKnown
        }
        return true
    }

    public mutating func reset() { self = PlanBuilder() }

    // MARK: - Checks

    private func check(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> Diagnostic? {
        if let needed = requiredNamespace(command), !plan.namespaces.contains(needed.0) {
            return Diagnostic("'\(command.displayName)' needs 'unshare \(needed.0.rawValue)' first", at: location,
                              fix: "add 'unshare \(needed.0.rawValue)' before this line: \(needed.1)")
        }
        if let host, !host.isRoot, !plan.namespaces.contains(.user), command.needsRoot {
            return Diagnostic("'\(command.displayName)' needs root, or add 'unshare user' to run rootless",
                              at: location, fix: "run cfsh with sudo, or add 'unshare user' before this line")
        }
        if let key = onceKey(command), let earlier = settings.first(where: { $0.key == key })?.location {
            return Diagnostic("\(key) is already set, at line \(earlier.line)", at: location,
                              fix: "give it once: 'undo' the earlier one, or delete one of the lines")
        }
        if case .map(let kind, let m) = command {
            let maps = kind == .uid ? plan.uidMaps : plan.gidMaps
            if maps.count == 340 {
                return Diagnostic("at most 340 \(kind.rawValue) map lines", at: location)
            }
            if maps.contains(where: { overlaps($0, m) }) {
                return Diagnostic("this \(kind.rawValue) map overlaps an earlier one", at: location,
                                  fix: "map lines may not share inside or outside ids (user_namespaces(7))")
            }
        }
        if let host, pathsKnown {
            switch command {
            case .step(.chroot(let dir)): return checkDirectory(dir, "chroot", at: location, host: host)
            case .step(.pivotRoot(let dir)): return checkDirectory(dir, "pivot_root", at: location, host: host)
            default: break
            }
        }
        return nil
    }

    private func requiredNamespace(_ command: PlanCommand) -> (Namespace, String)? {
        switch command {
        case .step(.setHostname): return (.uts, "without it, it would rename the host")
        case .step(.setDomainname): return (.uts, "without it, it would change the host's domain name")
        case .step(.mount), .step(.umount), .step(.pivotRoot):
            return (.mount, "without it, it would change the host's mounts")
        case .map: return (.user, "uid and gid maps belong to a new user namespace")
        case .step(.netUp): return (.net, "without it, it would change the host's network")
        default: return nil
        }
    }

    private func onceKey(_ command: PlanCommand) -> String? {
        switch command {
        case .step(.setHostname): return "the hostname"
        case .step(.setDomainname): return "the domain name"
        case .setUser: return "the user"
        case .setInit: return "init"
        case .limit(.pids): return "limit pids"
        case .limit(.memoryBytes): return "limit memory"
        case .limit(.cpuMillis): return "limit cpu"
        case .step(.rlimit(let r)): return "rlimit \(r.name.rawValue)"
        default: return nil
        }
    }

    private func overlaps(_ a: IDMap, _ b: IDMap) -> Bool {
        func meet(_ x: UInt32, _ y: UInt32) -> Bool {
            UInt64(x) < UInt64(y) + UInt64(b.count) && UInt64(y) < UInt64(x) + UInt64(a.count)
        }
        return meet(a.inside, b.inside) || meet(a.outside, b.outside)
    }

    private func checkDirectory(_ dir: String, _ verb: String, at location: SourceLocation, host: HostFacts) -> Diagnostic? {
        let path = resolve(dir)
        let shown = path == dir ? "\(quoted(dir))" : "\(quoted(dir)) (\(path) on the host)"
        switch host.fileKind(atPath: path) {
        case .directory: return nil
        case .missing:
            return Diagnostic("\(verb): \(shown) does not exist", at: location,
                              fix: "make a root filesystem there first, e.g. scripts/mkrootfs busybox DIR")
        case .regularFile, .other:
            return Diagnostic("\(verb): \(shown) is not a directory", at: location)
        }
    }

    /// The host path the child will mean by `path` after the steps so far.
    private func resolve(_ path: String) -> String {
        if path.hasPrefix("/") {
            guard let root, root != "/" else { return path }
            return (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
        }
        guard let cwd else { return path }
        return cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
    }

    // MARK: - Applying

    private mutating func apply(_ command: PlanCommand, at location: SourceLocation) {
        if let key = onceKey(command) { settings.append((key, location)) }
        switch command {
        case .unshare(let list): plan.namespaces.formUnion(list)
        case .map(.uid, let m): plan.uidMaps.append(m)
        case .map(.gid, let m): plan.gidMaps.append(m)
        case .limit(.pids(let n)): plan.limits.pids = n
        case .limit(.memoryBytes(let n)): plan.limits.memoryBytes = n
        case .limit(.cpuMillis(let n)): plan.limits.cpuMillis = n
        case .setTrace(let on): plan.trace = on
        case .setInit(let on): plan.initProcess = on
        case .setUser(let ids): plan.user = ids
        case .step(let step):
            switch step {
            case .chroot(let dir), .pivotRoot(let dir):
                if pathsKnown {
                    root = resolve(dir)
                    cwd = root
                }
            case .chdir(let dir):
                if pathsKnown { cwd = resolve(dir) }
            default: break
            }
            if (root?.utf8.count ?? 0) > 4096 || (cwd?.utf8.count ?? 0) > 4096 {
                pathsKnown = false
                root = nil
                cwd = nil
            }
            plan.steps.append(PlanStep(step, at: location))
        }
    }
}

extension PlanCommand {
    /// The command as the user wrote it, for messages: "set hostname", "mount".
    public var displayName: String {
        switch self {
        case .unshare: return "unshare"
        case .map: return "map"
        case .limit: return "limit"
        case .setTrace: return "set trace"
        case .setInit: return "set init"
        case .setUser: return "set user"
        case .step(let step):
            switch step {
            case .setHostname: return "set hostname"
            case .setDomainname: return "set domainname"
            case .setEnv: return "set env"
            case .unsetEnv: return "unset env"
            case .clearEnv: return "clear env"
            case .mount: return "mount"
            case .umount: return "umount"
            case .chroot: return "chroot"
            case .pivotRoot: return "pivot_root"
            case .chdir: return "chdir"
            case .rlimit: return "rlimit"
            case .capDrop: return "cap drop"
            case .capKeep: return "cap keep"
            case .noNewPrivs: return "no_new_privs"
            case .netUp: return "net up"
            }
        }
    }

    /// Whether it needs root when the plan has no user namespace.
    var needsRoot: Bool {
        switch self {
        case .unshare(let list): return !list.contains(.user)
        case .map, .limit, .setUser: return true
        case .setTrace, .setInit: return false
        case .step(let step):
            switch step {
            case .setEnv, .unsetEnv, .clearEnv, .chdir, .rlimit, .noNewPrivs: return false
            default: return true
            }
        }
    }
}

/// Every diagnostic of a script, as `cfsh -n` reports them: the parser's, then the
/// plan builder's for each plan command (folded in order, following `reset` and
/// `undo`; `load` is not followed — the CLI reads files). In source order, capped.
public func validate(_ script: ParsedScript, host: HostFacts?) -> [Diagnostic] {
    var builder = PlanBuilder()
    var found = script.diagnostics
    for c in script.commands {
        switch c.kind {
        case .plan(let p): found += builder.add(p, at: c.location, host: host)
        case .reset: builder.reset()
        case .undo: _ = builder.undo()
        default: break
        }
    }
    found.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    if found.count > maxDiagnostics + 1 {
        let cut = found[maxDiagnostics]
        found = Array(found.prefix(maxDiagnostics))
        found.append(Diagnostic("too many errors (more than \(maxDiagnostics)); stopping here", at: cut.location))
    }
    return found
}
