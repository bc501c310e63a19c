/// Folds plan commands into a `Plan`, checking every pre-run rule (README, "The language") when the
/// command is added, so the shell can use it line by line and a script reports each
/// error at its line. `compile` (Compile.swift) is its one caller outside tests.
///
/// Rules (the choices of our own, where `unshare(1)`, `bwrap` and `sh` give no answer, are marked *):
/// - What a command needs (a namespace earlier in the plan; root, or `unshare user`) is
///   the command table's `Needs` (CommandTable.swift).
/// - Given twice is an error for: hostname, domainname, `set user`, `set init`, the same
///   `limit`, the same `rlimit`. *`set trace` may be given again (the last wins: it is a
///   debugging switch). *`unshare` of a namespace already unshared is harmless.
///   *`map` lines may not overlap (inside or outside), at most 340 per kind, as the
///   kernel requires (user_namespaces(7)).
/// - `chroot DIR`, `pivot_root DIR` and `chdir DIR` must name a directory, resolved as
///   the kernel will in the planned root (`RootView`, asked of `HostFacts`).
/// - `rlimit nofile` may not exceed /proc/sys/fs/nr_open (setrlimit(2): EPERM).
/// - *One error per cause: a refused command still counts as written for the rules
///   after it (`unshare uts` refused without root still satisfies a later `set
///   hostname`), so each real mistake is reported once. Nothing runs when there is any
///   error, so the refused command never reaches a sandbox: `compile` discards the
///   state. Only a setting given twice and an overlapping map are not applied.
public struct PlanBuilder: Sendable {
    public private(set) var plan = Plan()
    /// The planned root as the steps so far leave it (nil: not followed, no host).
    public private(set) var view: RootView?
    /// The command's PATH as the steps so far leave it (`set env PATH=...`).
    public private(set) var searchPath = defaultSearchPath
    /// Capabilities the `cap` steps so far remove (bit n: capability n), and where the
    /// last such step is: a later step that needs one of them would fail with EPERM.
    private var removedCapabilities: UInt64 = 0
    private var removedAt: SourceLocation?
    /// What one `add` changed, so `undo` can take exactly that back in O(1).
    private struct Entry: Sendable {
        var command: PlanCommand
        var applied: Bool
        var newNamespaces: Namespaces
        var previousTrace: Bool
        var previousView: RootView?
        var previousSearchPath: String
        var previousRemoved: UInt64
        var previousRemovedAt: SourceLocation?
    }
    private var added = List<Entry>()
    /// Where each once-only setting was given ("hostname", "limit pids", "rlimit nofile").
    /// A list, not a dictionary: there are at most two dozen such keys, and a dictionary
    /// of String keys costs the re-executed child (which decodes the plan with this
    /// builder) a runtime conformance lookup and its hashing code on every start.
    private var settings = List<OnceSetting>()
    private struct OnceSetting {
        var key: String
        var location: SourceLocation
    }
    /// "Needs root" was reported: said once, at the first line that needs it, since
    /// every later one has the same cause and the same fix.
    private var rootlessReported = false

    public init() {}

    /// A builder that follows the planned root from `view` (the host's starting view).
    public init(view: RootView?) { self.view = view }

    public var isEmpty: Bool { added.isEmpty }

    /// How many commands the plan holds: what `undo` can take back.
    public var count: Int { added.count }

    /// Adds the command and returns what is wrong with it (empty: nothing). A command
    /// with a problem is still applied where that is meaningful (see "one error per
    /// cause" above): callers discard a builder that reported anything.
    public mutating func add(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> List<Diagnostic> {
        var problems = List<Diagnostic>()
        if let problem = check(command, at: location, host: host) {
            problems.append(problem)
        } else if let problem = rootProblem(command, at: location, host: host) {
            problems.append(problem)
            if case .root = command.id.needs.privilege {} else { rootlessReported = true }
        }
        if let blocking = blockingProblem(command, at: location) {
            problems.append(blocking)
            return problems
        }
        var newNamespaces: Namespaces = []
        if case .unshare(let list) = command {
            newNamespaces = Namespaces(list).subtracting(plan.namespaces)
        }
        added.append(Entry(command: command, applied: true, newNamespaces: newNamespaces,
                           previousTrace: plan.trace, previousView: view, previousSearchPath: searchPath,
                           previousRemoved: removedCapabilities, previousRemovedAt: removedAt))
        if let problem = apply(command, at: location, host: host) { problems.append(problem) }
        return problems
    }

    /// Drops the last added command, whatever it was. False when there is none.
    public mutating func undo() -> Bool {
        guard let e = added.popLast() else { return false }
        if let key = onceKey(e.command) { settings.removeAll { $0.key == key } }
        view = e.previousView
        searchPath = e.previousSearchPath
        removedCapabilities = e.previousRemoved
        removedAt = e.previousRemovedAt
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
        case .step: plan.steps.removeLast()
        }
        return true
    }

    /// Clears the plan; the planned root starts again from the host's view.
    public mutating func reset(host: HostFacts?) { self = PlanBuilder(view: host?.startingView) }

    // MARK: - Checks

    /// What is wrong with the command that does not stop it counting as written.
    private func check(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> Diagnostic? {
        let needs = command.id.needs
        if let needed = needs.namespace, !plan.namespaces.contains(Namespaces(needed)) {
            return Diagnostic("'\(command.displayName)' needs 'unshare \(needed.rawValue)' first", at: location,
                              fix: "add 'unshare \(needed.rawValue)' before this line: \(needs.why ?? "")")
        }
        if let problem = capabilityProblem(command, at: location) { return problem }
        if case .step(.mount(let mount)) = command, plan.namespaces.contains(.user),
           let problem = mountInUserNamespace(mount, at: location) {
            return problem
        }
        if case .map(let kind, let m) = command, let host, !host.isRoot {
            let own = kind == .uid ? host.invokingUID : host.invokingGID
            let maps = kind == .uid ? plan.uidMaps : plan.gidMaps
            if m.outside != own || m.count != 1 || !maps.isEmpty {
                return Diagnostic("without root only your own \(kind.rawValue) can be mapped, in one line: \(kind.rawValue) \(own)",
                                  at: location, fix: "write 'map \(kind.rawValue) \(m.inside) \(own) 1' (user_namespaces(7), \"Defining user and group ID mappings\")")
            }
        }
        if case .step(.rlimit(let r)) = command, r.name == .nofile, let host, let most = host.maxOpenFiles,
           (r.hard ?? .max) > most {
            let value = r.hard.map { String($0) } ?? "unlimited"
            return Diagnostic("rlimit nofile: \(value) is above the kernel's most, \(most) (/proc/sys/fs/nr_open)",
                              at: location, fix: "give at most \(most): setrlimit(2) refuses more (EPERM)")
        }
        return nil
    }

    /// A step that needs a capability an earlier `cap` step removed fails with EPERM
    /// (cap steps apply where written: Capabilities.swift). `set user` runs last, so a
    /// cap step that removes what it needs breaks it wherever it is written.
    private func capabilityProblem(_ command: PlanCommand, at location: SourceLocation) -> Diagnostic? {
        func removed(_ mask: UInt64) -> Int? {
            let both = removedCapabilities & mask
            return both == 0 ? nil : both.trailingZeroBitCount
        }
        if case .step(let step) = command, let user = plan.user, step.removedCapabilities & user.neededCapabilities != 0 {
            let number = (step.removedCapabilities & user.neededCapabilities).trailingZeroBitCount
            return Diagnostic("this cap step removes CAP_\(Capability(number: number).name.uppercased()), which 'set user' needs: it would fail with EPERM",
                              at: location, fix: "keep setuid and setgid: 'set user' is applied just before the command runs")
        }
        if let number = removed(command.neededCapabilities), let removedAt {
            let name = "CAP_" + Capability(number: number).name.uppercased()
            return Diagnostic("'\(command.displayName)' needs \(name), which the cap step at line \(removedAt.line) removes: it would fail with EPERM",
                              at: location, fix: "put cap steps after the steps that need what they remove: they apply where written")
        }
        if case .setUser(let user) = command, let number = removed(user.neededCapabilities), let removedAt {
            let name = "CAP_" + Capability(number: number).name.uppercased()
            return Diagnostic("'set user' needs \(name), which the cap step at line \(removedAt.line) removes: it would fail with EPERM",
                              at: location, fix: "keep setuid and setgid: 'set user' is applied just before the command runs")
        }
        return nil
    }

    /// In a new user namespace a filesystem is mounted only with CAP_SYS_ADMIN over the
    /// namespace it shows (mount(2), user_namespaces(7)): proc shows a PID namespace and
    /// sysfs a network namespace, which must be new ones, owned by the new user namespace.
    private func mountInUserNamespace(_ mount: Mount, at location: SourceLocation) -> Diagnostic? {
        let shown: Namespace
        switch mount.kind {
        case .proc: shown = .pid
        case .sysfs: shown = .net
        case .tmpfs, .bind, .rbind, .overlay, .dev: return nil
        }
        if !plan.namespaces.contains(Namespaces(shown)) {
            return Diagnostic("'mount \(mount.kind.rawValue)' in a user namespace needs 'unshare \(shown.rawValue)' too (EPERM): it shows a \(shown.rawValue) namespace, which must belong to the new user namespace",
                              at: location, fix: "add \(shown.rawValue) to the 'unshare' line")
        }
        return mount.kind == .proc ? procAfterPivotRoot(at: location) : nil
    }

    /// In a user namespace, the kernel mounts a new proc only where a proc is already
    /// fully visible (mount_namespaces(7), "restrictions on mount namespaces"; the
    /// check is mnt_too_revealing): after `pivot_root` detached the host's, `mount proc`
    /// is EPERM — unless a proc was mounted into the new root before it.
    private func procAfterPivotRoot(at location: SourceLocation) -> Diagnostic? {
        guard let pivot = plan.steps.lastIndex(where: { $0.action.isPivotRoot }),
              case .pivotRoot(let directory) = plan.steps[pivot].action else { return nil }
        let procBefore = plan.steps[..<pivot].contains { step in
            if case .mount(let mount) = step.action { return mount.kind == .proc }
            return false
        }
        if procBefore { return nil }
        let inside = directory.hasSuffix("/") ? directory + "proc" : directory + "/proc"
        return Diagnostic("'mount proc' after 'pivot_root' fails in a user namespace (EPERM): the kernel mounts proc only where one is already fully visible, and pivot_root detached the host's",
                          at: location, fix: "mount it into the new root first: 'mount proc \(inside)' before 'pivot_root \(directory)'")
    }

    /// Without root and without `unshare user`, a command that needs root; reported once.
    private func rootProblem(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> Diagnostic? {
        if let host, !host.isRoot, case .root(let why) = command.id.needs.privilege {
            return Diagnostic("'\(command.displayName)' needs cfsh run as root: \(why)", at: location,
                              fix: "run cfsh with sudo, or leave this line out of a rootless plan")
        }
        guard let host, !host.isRoot, !plan.namespaces.contains(.user), command.needsRoot, !rootlessReported else {
            return nil
        }
        return Diagnostic("'\(command.displayName)' needs root, or add 'unshare user' to run rootless",
                          at: location, fix: "run cfsh with sudo, or add 'unshare user' before this line")
    }

    /// What stops the command from being applied at all.
    private func blockingProblem(_ command: PlanCommand, at location: SourceLocation) -> Diagnostic? {
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
        return nil
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

    // MARK: - Applying

    /// Applies the command; returns what the planned root says is wrong with it (a
    /// missing chroot directory), after which the root is no longer followed.
    private mutating func apply(_ command: PlanCommand, at location: SourceLocation, host: HostFacts?) -> Diagnostic? {
        if let key = onceKey(command) { settings.append(OnceSetting(key: key, location: location)) }
        switch command {
        case .unshare(let list): plan.namespaces.formUnion(Namespaces(list))
        case .map(.uid, let m): plan.uidMaps.append(m)
        case .map(.gid, let m): plan.gidMaps.append(m)
        case .limit(.pids(let n)): plan.limits.pids = n
        case .limit(.memoryBytes(let n)): plan.limits.memoryBytes = n
        case .limit(.cpuMillis(let n)): plan.limits.cpuMillis = n
        case .setTrace(let on): plan.trace = on
        case .setInit(let on): plan.initProcess = on
        case .setUser(let ids): plan.user = ids
        case .step(let step):
            plan.steps.append(PlanStep(step, at: location))
            let removes = step.removedCapabilities
            if removes != 0 {
                removedCapabilities |= removes
                removedAt = location
            }
            switch step {
            case .setEnv("PATH", let value): searchPath = value
            case .unsetEnv("PATH"), .clearEnv: searchPath = defaultSearchPath
            default: break
            }
            if let host, var current = view {
                let problem = current.follow(step, at: location, host: host)
                view = current
                return problem
            }
        }
        return nil
    }
}

/// The command's PATH when the plan does not set one: what a login shell would have
/// (execvp(3)'s own fallback, "/bin:/usr/bin", is too short for a sandbox with `clear
/// env`). The engine's exec and completion use this one.
public let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

extension PlanCommand {
    /// The command as the user wrote it, for messages: "set hostname", "cap drop".
    public var displayName: String {
        switch self {
        case .step(.capDrop): return "cap drop"
        case .step(.capKeep): return "cap keep"
        default: return id.name
        }
    }

    /// Whether it needs root when the plan has no user namespace (the command table's
    /// `Needs.privilege`).
    var needsRoot: Bool {
        switch id.needs.privilege {
        case .none: return false
        case .rootOrUserNamespace, .root: return true
        case .rootUnlessUnsharingUser:
            if case .unshare(let list) = self { return !list.contains(.user) }
            return true
        }
    }

    /// What the step needs of the capability set (bit n: capability n,
    /// capabilities(7)) to succeed once cap steps may have run.
    var neededCapabilities: UInt64 {
        guard case .step(let step) = self else { return 0 }
        switch step {
        case .setHostname, .setDomainname, .mount, .umount, .pivotRoot: return 1 << 21  // sys_admin
        case .chroot: return 1 << 18                                                   // sys_chroot
        case .netUp: return 1 << 12                                                    // net_admin
        case .capDrop, .capKeep: return 1 << 8                                         // setpcap
        case .setEnv, .unsetEnv, .clearEnv, .chdir, .rlimit, .noNewPrivs: return 0
        }
    }

    /// Its entry in the command table.
    public var id: CommandID {
        switch self {
        case .unshare: return .unshare
        case .map: return .map
        case .limit: return .limit
        case .setTrace: return .setTrace
        case .setInit: return .setInit
        case .setUser: return .setUser
        case .step(let step):
            switch step {
            case .setHostname: return .setHostname
            case .setDomainname: return .setDomainname
            case .setEnv: return .setEnv
            case .unsetEnv: return .unsetEnv
            case .clearEnv: return .clearEnv
            case .mount: return .mount
            case .umount: return .umount
            case .chroot: return .chroot
            case .pivotRoot: return .pivotRoot
            case .chdir: return .chdir
            case .rlimit: return .rlimit
            case .capDrop, .capKeep: return .cap
            case .noNewPrivs: return .noNewPrivs
            case .netUp: return .netUp
            }
        }
    }
}
