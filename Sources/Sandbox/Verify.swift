#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// `verify` (issue 12, item 1): a running process checked against the plan, one row per
// property the plan sets or implies, each ✓ or ✗ with what was expected and what was
// found. Everything is read from the host through the kernel seam (`ProcessView` over
// `Kernel`: readFile, readlink, getdents, stat, uname in the process's UTS namespace),
// so the comparison itself (`verifyRows`) is pure and unit-tested with fake /proc text.
//
// What "shared" and "new" are measured against: cfsh's own namespaces
// (/proc/self/ns/*), not /proc/1/ns/*. The plan is relative to cfsh: the child is cloned
// from it, so a namespace the plan does not unshare is cfsh's, and one it unshares is a
// new one. /proc/1 is the same only when cfsh runs in the initial namespaces; under
// `unshare -u cfsh`, or in a container, PID 1's would call a correct sandbox ✗.
// The same holds for every other reference value (uid_map, capabilities, NoNewPrivs,
// the hostname a new UTS namespace starts with, the root without chroot).

/// One line of the table.
public struct VerifyRow: Sendable, Equatable {
    public var ok: Bool
    public var property: String
    public var expected: String
    public var found: String
    public init(_ ok: Bool, _ property: String, expected: String, found: String) {
        self.ok = ok
        self.property = property
        self.expected = expected
        self.found = found
    }
}

public struct VerifyReport: Sendable {
    public var pid: pid_t
    public var rows: [VerifyRow]
    /// Why nothing could be checked (the process is gone), or nil.
    public var problem: String?
    /// Every row ✓ (and there was something to check).
    public var passed: Bool { problem == nil && rows.allSatisfy(\.ok) }

    /// The table: `✓ property  expected: ...  found: ...`, one row a line.
    public var text: String {
        if let problem { return "verify: " + problem + "\n" }
        let width = rows.map(\.property.count).max() ?? 0
        let expectedWidth = min(44, rows.map(\.expected.count).max() ?? 0)
        var text = "verify " + String(pid) + ": " + String(rows.filter(\.ok).count) + " of "
            + String(rows.count) + " as planned\n"
        for row in rows {
            text += (row.ok ? "  ✓ " : "  ✗ ") + row.property.padded(to: width) + "  expected: "
                + row.expected.padded(to: expectedWidth) + "  found: " + row.found + "\n"
        }
        return text
    }
}

/// Where the facts come from: the real /proc through the kernel (`KernelProcessView`),
/// or a dictionary of fake file texts in unit tests.
protocol ProcessView {
    func read(_ path: String) -> String?
    func link(_ path: String) -> String?
    /// "DEV:INO" of what `path` leads to.
    func identity(_ path: String) -> String?
    func entries(_ path: String) -> [String]?
    /// (hostname, domainname) inside `pid`'s UTS namespace.
    func utsNames(_ pid: pid_t) -> (host: String, domain: String)?
}

struct KernelProcessView: ProcessView {
    let kernel: any Kernel
    func read(_ path: String) -> String? { try? kernel.readFile(path) }
    func link(_ path: String) -> String? {
        (try? kernel.perform(.readlink(path)).text).flatMap { $0.isEmpty ? nil : $0 }
    }
    func identity(_ path: String) -> String? { try? kernel.perform(.fileIdentity(path: path)).text }
    func entries(_ path: String) -> [String]? {
        guard let text = try? kernel.perform(.listDirectory(path: path)).text else { return nil }
        return text.split(separator: "\n").map(String.init)
    }
    func utsNames(_ pid: pid_t) -> (host: String, domain: String)? {
        guard let text = try? kernel.perform(.utsNames(pid: pid)).text else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 2 else { return nil }
        return (String(lines[0]), String(lines[1]))
    }
}

/// What the rows are compared with besides the plan: cfsh's invoking user (the default
/// uid/gid maps, whether it is root) and the planned root's host path (nil: unknown).
struct VerifyContext {
    var plannedRoot: String?
    var invokingUID: UInt32
    var invokingGID: UInt32
    var invokingIsRoot: Bool
    var pageSize: UInt64 = 4096
    /// cfsh's working directory: where the plan's relative paths start (`seenMounts`).
    var workingDirectory = "/"
}

extension Sandbox {
    /// `verify PID`: the process checked against `plan`. `plannedRoot`: the planned root's
    /// host path (the checker's view), nil when it cannot be known before running.
    public static func verify(pid: pid_t, plan: Plan, plannedRoot: String?) -> VerifyReport {
        let kernel = LinuxKernel()
        let user = kernel.invokingUser()
        var context = VerifyContext(plannedRoot: plannedRoot, invokingUID: user.uid, invokingGID: user.gid,
                                    invokingIsRoot: user.euid == 0, pageSize: UInt64(sysconf(Int32(_SC_PAGESIZE))))
        context.workingDirectory = (try? kernel.perform(.readlink("/proc/self/cwd")).text) ?? "/"
        return verifyProcess(pid, plan: plan, context: context, view: KernelProcessView(kernel: kernel))
    }

    /// The planned root's host path after all of `plan`'s steps (the checker's view,
    /// followed as `explain` follows it); nil when it cannot be known before running.
    /// Only the steps up to the last root change count: a later mount over the tree
    /// makes paths unknowable, not the root.
    public static func plannedRoot(of plan: Plan) -> String? {
        var prefix = plan
        if let last = plan.steps.lastIndex(where: {
            switch $0.action { case .chroot, .pivotRoot: return true; default: return false }
        }) {
            prefix.steps = List(plan.steps[...last])
        }
        return PlannedRoot(prefix).view?.root
    }

    /// The process that runs the command of a cfsh sandbox whose child is `pid`: with an
    /// init (`unshare pid`, `set init on`), the init's one child; otherwise `pid` itself.
    /// nil when the init has no child (the command has ended).
    public static func commandProcess(of pid: pid_t, plan: Plan) -> pid_t? {
        guard childNeedsInit(plan) else { return pid }
        let kernel = LinuxKernel()
        let path = "/proc/" + String(pid) + "/task/" + String(pid) + "/children"
        guard let text = try? kernel.readFile(path) else { return nil }
        return text.split(separator: " ").first.flatMap { pid_t(String($0)) }
    }

    /// `verify` with no PID: the plan's sandbox, built with `argv` (a command that waits,
    /// `sleep`), checked once the command has exec'd, then killed and torn down (its
    /// cgroup removed, as after every run). Returns the report, or the run's failure.
    public static func verifyBuilt(_ plan: Plan, argv: [String], plannedRoot: String?,
                                   options: RunOptions = RunOptions()) -> (report: VerifyReport?, outcome: RunOutcome) {
        final class Box: @unchecked Sendable { var report: VerifyReport? }
        let box = Box()
        var options = options
        options.whileRunning = { pid in
            let command = commandProcess(of: pid, plan: plan) ?? pid
            waitUntilAsleep(command)
            box.report = verify(pid: command, plan: plan, plannedRoot: plannedRoot)
            // From the parent's namespace SIGKILL reaches even a PID 1: the whole sandbox ends.
            Glibc.kill(pid, SIGKILL)
        }
        let outcome = run(plan, argv: argv, options: options)
        return (box.report, outcome)
    }
}

/// Waits (at most 0.2 s) until a command that has just exec'd is past its start-up: it
/// sleeps (state S: waiting for something, as a shell at its prompt or `sleep`) or it is
/// gone. Just after execve the dynamic loader and the C library hold files of their own
/// (/etc/ld.so.cache, locale files) that are not what the sandbox gave the command.
public func waitUntilStarted(_ pid: pid_t) {
    let kernel = LinuxKernel()
    for _ in 0..<20 {
        let stat = (try? kernel.readFile("/proc/" + String(pid) + "/stat")) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return }  // gone
        let state = stat[stat.index(after: close)...].dropFirst().first
        if state == "S" || state == "Z" { return }
        usleep(10_000)
    }
}

/// Waits (at most two seconds) until `sleep` sleeps in nanosleep(2): just after its execve
/// it is still starting up — the C library opens locale files, for one — and what it
/// opens itself is not what the sandbox gave it.
func waitUntilAsleep(_ pid: pid_t) {
    #if arch(x86_64)
    let sleeping: Set<Int> = [35, 230]  // nanosleep, clock_nanosleep
    #elseif arch(arm64)
    let sleeping: Set<Int> = [101, 115]
    #else
    let sleeping: Set<Int> = []
    #endif
    let kernel = LinuxKernel()
    for _ in 0..<200 {
        let syscall = (try? kernel.readFile("/proc/" + String(pid) + "/syscall")) ?? ""
        guard !syscall.isEmpty else { return }  // gone: verify says so
        if let number = syscall.split(separator: " ").first.flatMap({ Int($0) }), sleeping.contains(number) { return }
        if sleeping.isEmpty { return }
        usleep(10_000)
    }
}

/// Reads and compares. A process that is gone or a zombie has no namespaces, root or
/// fds to look at: that is said once instead of a table of ✗.
func verifyProcess(_ pid: pid_t, plan: Plan, context: VerifyContext, view: ProcessView) -> VerifyReport {
    let proc = "/proc/" + String(pid)
    guard let status = view.read(proc + "/status") else {
        return VerifyReport(pid: pid, rows: [], problem: "process " + String(pid) + " does not exist (it has ended?)")
    }
    if field("State", in: status)?.hasPrefix("Z") == true {
        return VerifyReport(pid: pid, rows: [], problem: "process " + String(pid) + " has ended (a zombie): nothing left to check")
    }
    let rows = verifyRows(pid, plan: plan, context: context, view: view)
    // A command that ends while it is looked at loses its namespaces, root and fds before
    // it is a zombie: ✗ rows then say "exiting", not "different". Looked at again after.
    if rows.contains(where: { !$0.ok }) {
        let after = view.read(proc + "/status")
        if after == nil || field("State", in: after ?? "")?.hasPrefix("Z") == true
            || field("State", in: after ?? "")?.hasPrefix("X") == true {
            return VerifyReport(pid: pid, rows: [], problem: "process " + String(pid) + " ended while it was being checked")
        }
    }
    return VerifyReport(pid: pid, rows: rows)
}

/// The table's rows, in a fixed order: namespaces, root, names, maps, capabilities,
/// no_new_privs, rlimits, mounts, fds, cgroup, environment.
func verifyRows(_ pid: pid_t, plan: Plan, context: VerifyContext, view: ProcessView) -> [VerifyRow] {
    let proc = "/proc/" + String(pid)
    var rows: [VerifyRow] = []
    let unreadable = "unreadable"

    // Namespaces: new where unshared, cfsh's own otherwise (see the file's comment).
    for namespace in Namespace.allCases {
        let file = namespace == .mount ? "mnt" : namespace.rawValue
        guard let own = view.link("/proc/self/ns/" + file) else { continue }  // not in this kernel
        let found = view.link(proc + "/ns/" + file)
        if plan.namespaces.contains(Namespaces(namespace)) {
            rows.append(VerifyRow(found != nil && found != own, "namespace " + namespace.rawValue,
                                  expected: "new (not cfsh's " + own + ")", found: found ?? unreadable))
        } else {
            rows.append(VerifyRow(found == own, "namespace " + namespace.rawValue,
                                  expected: "cfsh's " + own, found: found ?? unreadable))
        }
    }

    // The root: the same directory (device and inode) as the planned root on the host.
    let changesRoot = plan.steps.contains {
        switch $0.action { case .chroot, .pivotRoot: return true; default: return false }
    }
    let rootPath = changesRoot ? context.plannedRoot : (view.link("/proc/self/root") ?? "/")
    let foundRoot = view.identity(proc + "/root")
    let foundRootText = (view.link(proc + "/root") ?? unreadable) + " (" + (foundRoot ?? "?") + ")"
    if let rootPath {
        let expected = changesRoot ? view.identity(rootPath) : view.identity("/proc/self/root")
        rows.append(VerifyRow(expected != nil && expected == foundRoot, "root",
                              expected: rootPath + " (" + (expected ?? "?") + ")", found: foundRootText))
    } else {
        rows.append(VerifyRow(false, "root", expected: "the planned root (unknown before running: a mount changed the tree)",
                              found: foundRootText))
    }

    // hostname and domainname, read inside the process's UTS namespace.
    var hostname: String?, domainname: String?
    for step in plan.steps {
        if case .setHostname(let name) = step.action { hostname = name }
        if case .setDomainname(let name) = step.action { domainname = name }
    }
    let ownHost = trimmed(view.read("/proc/sys/kernel/hostname") ?? "")
    let ownDomain = trimmed(view.read("/proc/sys/kernel/domainname") ?? "")
    // In cfsh's own UTS namespace (the plan has no `unshare uts`) the names are cfsh's:
    // no setns(2), which a user without CAP_SYS_ADMIN may not make.
    let utsLink = view.link(proc + "/ns/uts")
    let names = utsLink != nil && utsLink == view.link("/proc/self/ns/uts")
        ? (host: ownHost, domain: ownDomain) : view.utsNames(pid)
    let expectedHost = hostname ?? ownHost, expectedDomain = domainname ?? ownDomain
    rows.append(VerifyRow(names?.host == expectedHost, "hostname",
                          expected: expectedHost + (hostname == nil ? " (cfsh's)" : ""), found: names?.host ?? unreadable))
    rows.append(VerifyRow(names?.domain == expectedDomain, "domainname",
                          expected: expectedDomain + (domainname == nil ? " (cfsh's)" : ""),
                          found: names?.domain ?? unreadable))

    // uid and gid maps: the plan's (or the default `0 INVOKING 1`) with `unshare user`,
    // cfsh's own without.
    for (file, maps, invoking) in [("uid_map", plan.uidMaps, context.invokingUID),
                                   ("gid_map", plan.gidMaps, context.invokingGID)] {
        let expected = plan.namespaces.contains(.user) ? idMapText(maps, invoking: invoking)
            : (view.read("/proc/self/" + file) ?? "")
        let found = view.read(proc + "/" + file)
        rows.append(VerifyRow(found.map(mapText) == mapText(expected), file,
                              expected: mapText(expected), found: found.map(mapText) ?? unreadable))
    }

    // `set user UID[:GID]`: real, effective, saved and filesystem ids, as the host numbers
    // them (/proc shows ids in the reader's user namespace: through the plan's map), and
    // the one supplementary group (User.swift).
    if let user = plan.user {
        let gid = user.gid ?? user.uid
        let inUserNamespace = plan.namespaces.contains(.user)
        let uidOutside = inUserNamespace ? mapped(user.uid, plan.uidMaps, invoking: context.invokingUID) : user.uid
        let gidOutside = inUserNamespace ? mapped(gid, plan.gidMaps, invoking: context.invokingGID) : gid
        let status = view.read(proc + "/status") ?? ""
        for (name, id) in [("Uid", uidOutside), ("Gid", gidOutside)] {
            let expected = id.map { Array(repeating: String($0), count: 4).joined(separator: " ") } ?? "unmapped"
            let found = field(name, in: status).map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
            rows.append(VerifyRow(found == expected, name == "Uid" ? "uid" : "gid", expected: expected,
                                  found: found ?? unreadable))
        }
        let groups = field("Groups", in: status)
        let expectedGroups = gidOutside.map { String($0) } ?? "unmapped"
        rows.append(VerifyRow(groups == expectedGroups, "groups", expected: expectedGroups, found: groups ?? unreadable))
    }

    // Capabilities: what execve leaves the command (capabilities(7)). The bounding set is
    // cfsh's (or, in a new user namespace, every capability) less what `cap` steps removed; root inside (uid 0, or no `set user` to
    // another uid) gets its bounding set as effective; anyone else only the ambient set,
    // which a `cap` step clears.
    let ownStatus = view.read("/proc/self/status") ?? ""
    let foundStatus = view.read(proc + "/status") ?? ""
    let lastCap = UInt64(trimmed(view.read("/proc/sys/kernel/cap_last_cap") ?? "")) ?? 40
    let known: UInt64 = lastCap >= 63 ? .max : (1 << (lastCap + 1)) - 1
    var removed: UInt64 = 0
    var capSteps = false
    for step in plan.steps {
        switch step.action {
        case .capDrop(.all): removed |= known; capSteps = true
        case .capDrop(.some(let list)): removed |= mask(list); capSteps = true
        case .capKeep(.all): capSteps = true
        case .capKeep(.some(let list)): removed |= known & ~mask(list); capSteps = true
        default: break
        }
    }
    // A new user namespace starts with the full bounding set (its creator's does not carry over).
    let ownBounding = plan.namespaces.contains(.user) ? known : hexField("CapBnd", in: ownStatus) ?? 0
    let ownAmbient = hexField("CapAmb", in: ownStatus) ?? 0
    let rootInside = (plan.user.map { $0.uid == 0 } ?? true)
        && (plan.namespaces.contains(.user) ? mapsRoot(plan.uidMaps) : context.invokingIsRoot)
    let bounding = ownBounding & ~removed & known
    let ambient = capSteps ? 0 : ownAmbient & bounding
    let effective = rootInside ? bounding : ambient
    for (name, expected) in [("CapEff", effective), ("CapBnd", bounding), ("CapAmb", ambient)] {
        let found = hexField(name, in: foundStatus)
        var shown = found.map(hex16) ?? unreadable
        if let found, found != expected {
            let missing = capabilityList(expected & ~found), extra = capabilityList(found & ~expected)
            shown += missing.isEmpty ? "" : " (missing " + missing + ")"
            shown += extra.isEmpty ? "" : " (extra " + extra + ")"
        }
        rows.append(VerifyRow(found == expected, name, expected: hex16(expected), found: shown))
    }

    // no_new_privs: set by the plan, or cfsh's own (it is inherited and cannot be unset).
    let ownNoNewPrivs = field("NoNewPrivs", in: ownStatus) ?? "0"
    let expectedNoNewPrivs = plan.steps.contains { $0.action == .noNewPrivs } ? "1" : ownNoNewPrivs
    let foundNoNewPrivs = field("NoNewPrivs", in: foundStatus)
    rows.append(VerifyRow(foundNoNewPrivs == expectedNoNewPrivs, "NoNewPrivs",
                          expected: expectedNoNewPrivs, found: foundNoNewPrivs ?? unreadable))

    // rlimits the plan sets (the last step for a name wins), from /proc/PID/limits.
    var limits: [ResourceLimit] = []
    for step in plan.steps {
        if case .rlimit(let limit) = step.action {
            limits.removeAll { $0.name == limit.name }
            limits.append(limit)
        }
    }
    let limitsText = view.read(proc + "/limits")
    for limit in limits {
        let expected = limitValue(limit.soft) + " " + limitValue(limit.hard)
        let found = limitsText.flatMap { resourceLimitLine(limit.name, in: $0) }
        rows.append(VerifyRow(found == expected, "rlimit " + limit.name.rawValue,
                              expected: expected, found: found ?? unreadable))
    }

    // Mounts the plan made: the last mount on each target, its type, flags and
    // propagation, from the process's own mountinfo (paths there are relative to its root).
    let mounts = parseMountinfo(view.read(proc + "/mountinfo") ?? "")
    for (mount, target) in seenMounts(plan, workingDirectory: context.workingDirectory) {
        let type: String? = switch mount.kind {
            case .proc: "proc"
            case .sysfs: "sysfs"
            case .tmpfs, .dev: "tmpfs"
            case .overlay: "overlay"
            case .bind, .rbind: nil
        }
        var flags = [mount.options.contains("ro") ? "ro" : "rw"]
        for flag in ["nosuid", "nodev", "noexec"] where mount.options.contains(flag) { flags.append(flag) }
        let expected = (type ?? "a bind of " + (mount.source ?? "?")) + " " + flags.joined(separator: ",") + " private"
        guard let entry = mounts.last(where: { $0.mountPoint == target }) else {
            rows.append(VerifyRow(false, "mount " + target, expected: expected, found: "not a mount point"))
            continue
        }
        let foundFlags = entry.options.split(separator: ",").map(String.init)
        let ok = (type == nil || entry.type == type) && flags.allSatisfy(foundFlags.contains) && !entry.shared
        rows.append(VerifyRow(ok, "mount " + target, expected: expected,
                              found: entry.type + " " + entry.options + " " + entry.propagation))
    }
    if plan.namespaces.contains(.mount), plan.steps.contains(where: { $0.action.mounts }) {
        let shared = mounts.filter(\.shared).map(\.mountPoint)
        rows.append(VerifyRow(shared.isEmpty, "mount propagation", expected: "every mount private",
                              found: shared.isEmpty ? "every mount private"
                                  : "shared: " + shared.prefix(4).joined(separator: " ")
                                  + (shared.count > 4 ? " …" : "")))
    }

    // Open file descriptors: only 0, 1 and 2 (the child closes what it inherited).
    if let fds = view.entries(proc + "/fd") {
        let numbers = fds.compactMap { Int($0) }.sorted()
        let extra = numbers.filter { $0 > 2 }
        let shown = numbers.map { n in
            n > 2 ? String(n) + "→" + (view.link(proc + "/fd/" + String(n)) ?? "?") : String(n)
        }
        rows.append(VerifyRow(extra.isEmpty, "open fds", expected: "0 1 2 only",
                              found: shown.prefix(6).joined(separator: " ") + (shown.count > 6 ? " …" : "")))
    } else {
        rows.append(VerifyRow(false, "open fds", expected: "0 1 2 only", found: unreadable))
    }

    // The cgroup and its limit values (v2, or v1 with one hierarchy per controller, as
    // Cgroups.swift makes them); memory is counted in pages.
    if !plan.limits.isEmpty {
        let v2 = view.read("/sys/fs/cgroup/cgroup.controllers") != nil
        let membership = view.read(proc + "/cgroup") ?? ""
        var settings: [(controller: String, file: String, value: String)] = []
        if let n = plan.limits.pids { settings.append(("pids", "pids.max", String(n))) }
        if let n = plan.limits.memoryBytes {
            let rounded = n / context.pageSize * context.pageSize
            settings.append(("memory", v2 ? "memory.max" : "memory.limit_in_bytes", String(rounded)))
        }
        if let n = plan.limits.cpuMillis {
            settings.append(("cpu", v2 ? "cpu.max" : "cpu.cfs_quota_us", v2 ? String(n * 100) + " 100000" : String(n * 100)))
        }
        for setting in settings {
            let path = cgroupPath(v2 ? nil : setting.controller, in: membership)
            let directory = path.map { "/sys/fs/cgroup" + (v2 ? "" : "/" + setting.controller) + ($0 == "/" ? "" : $0) }
            let value = directory.flatMap { view.read($0 + "/" + setting.file) }.map(trimmed)
            rows.append(VerifyRow(value == setting.value, "cgroup " + setting.file, expected: setting.value,
                                  found: (value ?? unreadable) + " (" + (path ?? "no cgroup") + ")"))
        }
    }

    // The environment the plan sets, unsets or clears.
    var environment: [(name: String, value: String?)] = []
    var cleared = false
    for step in plan.steps {
        switch step.action {
        case .setEnv(let name, let value):
            environment.removeAll { $0.name == name }
            environment.append((name, value))
        case .unsetEnv(let name):
            environment.removeAll { $0.name == name }
            environment.append((name, nil))
        case .clearEnv:
            environment = []
            cleared = true
        default: break
        }
    }
    if !environment.isEmpty || cleared {
        let foundEnvironment = (view.read(proc + "/environ") ?? "").split(separator: "\0").map(String.init)
        func value(_ name: String) -> String? {
            foundEnvironment.last { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        for (name, expected) in environment {
            let found = value(name)
            rows.append(VerifyRow(found == expected, "env " + name,
                                  expected: expected.map { name + "=" + $0 } ?? "unset",
                                  found: found.map { name + "=" + $0 } ?? "unset"))
        }
        if cleared {
            let expectedNames = environment.filter { $0.value != nil }.map(\.name).sorted()
            let foundNames = foundEnvironment.map { String($0.prefix { $0 != "=" }) }.sorted()
            rows.append(VerifyRow(foundNames == expectedNames, "env (cleared)",
                                  expected: expectedNames.isEmpty ? "empty" : "only " + expectedNames.joined(separator: " "),
                                  found: foundNames.isEmpty ? "empty" : foundNames.joined(separator: " ")))
        }
    }
    return rows
}

// MARK: - Reading /proc text

/// `id` inside a user namespace with `maps` (the default: 0 is the invoking id), as the
/// host numbers it; nil when no line maps it.
func mapped(_ id: UInt32, _ maps: [IDMap], invoking: UInt32) -> UInt32? {
    let lines = maps.isEmpty ? [IDMap(inside: 0, outside: invoking, count: 1)] : maps
    for line in lines where id >= line.inside && UInt64(id) < UInt64(line.inside) + UInt64(line.count) {
        return line.outside + (id - line.inside)
    }
    return nil
}

/// `Name:\tvalue` of /proc/PID/status.
func field(_ name: String, in status: String) -> String? {
    for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
        return trimmed(String(line.dropFirst(name.count + 1)))
    }
    return nil
}

func hexField(_ name: String, in status: String) -> UInt64? {
    field(name, in: status).flatMap { UInt64($0, radix: 16) }
}

func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
}

func trimmed(_ text: String) -> String {
    String(text.drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\n" }.reversed())
}

private func mask(_ list: [Capability]) -> UInt64 {
    list.reduce(0) { $0 | 1 << UInt64($1.number) }
}

private func capabilityList(_ bits: UInt64) -> String {
    (0..<64).filter { bits & (1 << UInt64($0)) != 0 }
        .map { $0 < Capability.names.count ? Capability.names[$0] : "cap_" + String($0) }
        .joined(separator: ",")
}

/// A map file's lines as `INSIDE OUTSIDE COUNT, ...`, whatever the column padding.
func mapText(_ text: String) -> String {
    text.split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .filter { !$0.isEmpty }.joined(separator: ", ")
}

private func limitValue(_ value: UInt64?) -> String {
    value.map { $0 == UInt64.max ? "unlimited" : String($0) } ?? "unlimited"
}

/// /proc/PID/limits' row headings (fs/proc/base.c, lnames).
func resourceLimitHeading(_ name: ResourceLimit.Name) -> String {
    switch name {
    case .cpu: return "Max cpu time"
    case .fsize: return "Max file size"
    case .data: return "Max data size"
    case .stack: return "Max stack size"
    case .core: return "Max core file size"
    case .rss: return "Max resident set"
    case .nproc: return "Max processes"
    case .nofile: return "Max open files"
    case .memlock: return "Max locked memory"
    case .as: return "Max address space"
    case .locks: return "Max file locks"
    case .sigpending: return "Max pending signals"
    case .msgqueue: return "Max msgqueue size"
    case .nice: return "Max nice priority"
    case .rtprio: return "Max realtime priority"
    case .rttime: return "Max realtime timeout"
    }
}

/// "SOFT HARD" of one row of /proc/PID/limits.
func resourceLimitLine(_ name: ResourceLimit.Name, in text: String) -> String? {
    let heading = resourceLimitHeading(name)
    for line in text.split(separator: "\n") where line.hasPrefix(heading + " ") {
        let values = line.dropFirst(heading.count).split(separator: " ")
        guard values.count >= 2 else { return nil }
        return values[0] + " " + values[1]
    }
    return nil
}

struct MountinfoEntry: Equatable {
    var mountPoint: String
    var options: String
    var type: String
    /// The optional fields: `shared:N`, `master:N`, ...
    var optional: [String]
    var shared: Bool { optional.contains { $0.hasPrefix("shared:") } }
    var propagation: String { optional.isEmpty ? "private" : optional.joined(separator: " ") }
}

/// proc(5), /proc/PID/mountinfo: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER`.
func parseMountinfo(_ text: String) -> [MountinfoEntry] {
    text.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ").map(String.init)
        guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count else { return nil }
        return MountinfoEntry(mountPoint: unescapeOctal(fields[4]), options: fields[5], type: fields[dash + 1],
                              optional: Array(fields[6..<dash]))
    }
}

/// mountinfo writes space, tab, newline and backslash as `\040` and the like.
private func unescapeOctal(_ text: String) -> String {
    guard text.contains("\\") else { return text }
    var bytes: [UInt8] = []
    let utf8 = Array(text.utf8)
    var i = 0
    while i < utf8.count {
        if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
           let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
            bytes.append(value)
            i += 4
        } else {
            bytes.append(utf8[i])
            i += 1
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A path as mountinfo shows it: absolute, without a trailing or doubled `/`, `.` or
/// `..` (followed lexically, as the plan's paths are written).
func normalizedTarget(_ target: String) -> String {
    var parts: [Substring] = []
    for part in target.split(separator: "/") where part != "." {
        if part == ".." { _ = parts.popLast() } else { parts.append(part) }
    }
    return "/" + parts.joined(separator: "/")
}

/// The mounts the plan leaves, each where the process sees it: the last mount on each
/// target, not unmounted, at its path from the process's final root. mountinfo's mount
/// points are relative to the reader's root (proc(5)), so `mount proc R/proc; pivot_root
/// R` is /proc — the way a user namespace must mount proc with pivot_root. A mount the
/// root change leaves outside the new root is not listed: pivot_root detaches it, chroot
/// hides it (not in the process's mountinfo either way). Relative paths are from cfsh's
/// working directory until a root change, then from `/` (and `chdir`).
func seenMounts(_ plan: Plan, workingDirectory: String) -> [(mount: Mount, target: String)] {
    var cwd = workingDirectory
    var seen: [(mount: Mount, target: String)] = []
    func absolute(_ path: String) -> String { normalizedTarget(path.hasPrefix("/") ? path : cwd + "/" + path) }
    for step in plan.steps {
        switch step.action {
        case .mount(let mount):
            let target = absolute(mount.target)
            seen.removeAll { $0.target == target }
            seen.append((mount, target))
        case .umount(let target):
            let path = absolute(target)
            if let last = seen.lastIndex(where: { $0.target == path }) { seen.remove(at: last) }
        case .chdir(let directory):
            cwd = absolute(directory)
        case .chroot(let directory), .pivotRoot(let directory):
            let root = absolute(directory)
            seen = seen.compactMap { entry in
                if root == "/" { return entry }
                if entry.target == root { return (entry.mount, "/") }
                guard entry.target.hasPrefix(root + "/") else { return nil }
                return (entry.mount, String(entry.target.dropFirst(root.count)))
            }
            cwd = "/"
        default:
            break
        }
    }
    return seen
}

/// The cgroup path of `controller` (nil: the v2 line `0::PATH`) in /proc/PID/cgroup.
func cgroupPath(_ controller: String?, in text: String) -> String? {
    for line in text.split(separator: "\n") {
        let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { continue }
        let matches = controller.map { fields[1].split(separator: ",").contains(Substring($0)) }
            ?? (fields[0] == "0" && fields[1].isEmpty)
        if matches { return String(fields[2]) }
    }
    return nil
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
