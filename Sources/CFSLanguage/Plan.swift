/// The plan: what the sandbox is made of. A value; built by the parser and validator,
/// applied by the engine. Its one serialization is its canonical `.cfs` text
/// (`canonicalText`), which `show` prints, `save` writes and the parent hands the child.
///
/// Two parts, as in the process model (README, "How it works"):
/// - properties of the clone, set by the parent between clone and "go" (namespaces,
///   uid/gid maps, cgroup limits) or read by the child once (trace, init, user);
/// - `steps`, the child's ordered actions, applied in the order written by one loop.
public struct Plan: Sendable {
    public var namespaces: Namespaces = []
    public var uidMaps: [IDMap] = []
    public var gidMaps: [IDMap] = []
    public var limits = Limits()
    /// `set trace on`: print each step as it is applied, and the talk's `Running [...]` lines.
    public var trace = false
    /// `set init on|off`: with a PID namespace, stay PID 1 and reap (on, the default) or
    /// exec the command as PID 1 (off).
    public var initProcess = true
    /// `set user UID[:GID]`: applied just before execve, after every step.
    public var user: UserIDs?
    /// The child's steps, in the order written; each remembers where it was written.
    public var steps = List<PlanStep>()

    public init() {}
}

/// Plans compare by what they do, not where they were written: `show` re-parsed gives
/// an equal plan even though every step now has a different source location.
extension Plan: Equatable {
    public static func == (a: Plan, b: Plan) -> Bool {
        a.namespaces == b.namespaces && a.uidMaps == b.uidMaps && a.gidMaps == b.gidMaps
            && a.limits == b.limits && a.trace == b.trace && a.initProcess == b.initProcess
            && a.user == b.user && a.steps.map(\.action) == b.steps.map(\.action)
    }
}

public struct PlanStep: Sendable {
    public var action: Step
    public var location: SourceLocation
    public init(_ action: Step, at location: SourceLocation) {
        self.action = action
        self.location = location
    }
}

/// `unshare NS...`. Raw values are the language's names.
public enum Namespace: String, CaseIterable, Hashable, Sendable, Comparable {
    case uts, pid, mount, ipc, net, user, cgroup, time
    public static func < (a: Namespace, b: Namespace) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The plan's namespaces as the clone3(2) flags that make them (linux/sched.h). A bit
/// set, not a `Set<Namespace>`: the plan is built on the start path of both the parent
/// and the child, and a `Set` there costs the runtime its generic metadata and a scan
/// of every conformance record (`Namespace: Hashable`) on each start (issue 13).
public struct Namespaces: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ namespace: Namespace) { rawValue = namespace.cloneFlag }
    public init<S: Sequence>(_ list: S) where S.Element == Namespace {
        rawValue = list.reduce(0) { $0 | $1.cloneFlag }
    }
    public static var uts: Namespaces { Namespaces(.uts) }
    public static var pid: Namespaces { Namespaces(.pid) }
    public static var mount: Namespaces { Namespaces(.mount) }
    public static var ipc: Namespaces { Namespaces(.ipc) }
    public static var net: Namespaces { Namespaces(.net) }
    public static var user: Namespaces { Namespaces(.user) }
    public static var cgroup: Namespaces { Namespaces(.cgroup) }
    public static var time: Namespaces { Namespaces(.time) }

    /// The members' names in the language's order (`uts pid mount ipc net user cgroup
    /// time`), separated by spaces. Walks the enum by position: no array on the way.
    public var names: String {
        var text = ""
        var position = 0
        while let namespace = Namespace(position: position) {
            if contains(Namespaces(namespace)) {
                text += text.isEmpty ? namespace.rawValue : " " + namespace.rawValue
            }
            position += 1
        }
        return text
    }
}

extension Namespace {
    /// clone3(2)'s CLONE_NEW* flag (linux/sched.h; SandboxTests check them against the
    /// C headers').
    public var cloneFlag: UInt64 {
        switch self {
        case .uts: return 0x0400_0000
        case .pid: return 0x2000_0000
        case .mount: return 0x0002_0000
        case .ipc: return 0x0800_0000
        case .net: return 0x4000_0000
        case .user: return 0x1000_0000
        case .cgroup: return 0x0200_0000
        case .time: return 0x0000_0080
        }
    }

    /// The namespace at `position` in the language's order (`allCases`), nil past the last.
    init?(position: Int) {
        switch position {
        case 0: self = .uts
        case 1: self = .pid
        case 2: self = .mount
        case 3: self = .ipc
        case 4: self = .net
        case 5: self = .user
        case 6: self = .cgroup
        case 7: self = .time
        default: return nil
        }
    }
}

/// `map uid|gid INSIDE OUTSIDE COUNT` — one line of /proc/PID/uid_map (user_namespaces(7)).
public struct IDMap: Hashable, Sendable {
    public var inside: UInt32
    public var outside: UInt32
    public var count: UInt32
    public init(inside: UInt32, outside: UInt32, count: UInt32) {
        self.inside = inside
        self.outside = outside
        self.count = count
    }
}

public struct UserIDs: Hashable, Sendable {
    public var uid: UInt32
    public var gid: UInt32?

    /// What `set user` needs of the capability set (bit n: capability n): setgroups(2)
    /// always needs CAP_SETGID (6); setresuid(2) needs CAP_SETUID (7) unless the uid
    /// stays what it is — 0, since `set user` runs as root (of its namespace).
    var neededCapabilities: UInt64 { 1 << 6 | (uid != 0 ? 1 << 7 : 0) }
    public init(uid: UInt32, gid: UInt32?) {
        self.uid = uid
        self.gid = gid
    }
}

/// `limit pids N`, `limit memory SIZE`, `limit cpu FRACTION`: one cgroup, made by the
/// parent, removed afterwards.
public struct Limits: Hashable, Sendable {
    public var pids: UInt64?
    /// Bytes.
    public var memoryBytes: UInt64?
    /// Thousandths of one CPU: `limit cpu 0.5` is 500.
    public var cpuMillis: UInt64?
    public init() {}
    public var isEmpty: Bool { pids == nil && memoryBytes == nil && cpuMillis == nil }
}

/// One step the child applies, in order.
public enum Step: Hashable, Sendable {
    case setHostname(String)
    case setDomainname(String)
    case setEnv(name: String, value: String)
    case unsetEnv(String)
    case clearEnv
    case mount(Mount)
    case umount(target: String)
    case chroot(String)
    case pivotRoot(String)
    case chdir(String)
    case rlimit(ResourceLimit)
    case capDrop(Capabilities)
    case capKeep(Capabilities)
    case noNewPrivs
    case netUp(interface: String)
}

/// `mount TYPE [SOURCE] TARGET [OPTIONS]`.
public struct Mount: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Hashable, Sendable {
        case proc, sysfs, tmpfs, bind, rbind, overlay, dev
    }
    public var kind: Kind
    /// Only `bind` and `rbind` take a source.
    public var source: String?
    public var target: String
    /// Normalised option words as written, in order: flags (`ro`, `nosuid`, `nodev`,
    /// `noexec`, ...) and `key=value` data (`size=64m`, `mode=755`, `lowerdir=...`).
    public var options: [String]
    public init(kind: Kind, source: String?, target: String, options: [String]) {
        self.kind = kind
        self.source = source
        self.target = target
        self.options = options
    }
}

/// `rlimit NAME SOFT[:HARD]` (setrlimit(2)); nil means `unlimited` (RLIM_INFINITY).
public struct ResourceLimit: Hashable, Sendable {
    public enum Name: String, CaseIterable, Hashable, Sendable {
        case `as`, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc,
             rss, rtprio, rttime, sigpending, stack
    }
    public var name: Name
    public var soft: UInt64?
    public var hard: UInt64?
    public init(name: Name, soft: UInt64?, hard: UInt64?) {
        self.name = name
        self.soft = soft
        self.hard = hard
    }
}

extension ResourceLimit.Name {
    /// Counted in bytes (setrlimit(2)): these take size suffixes.
    public var isInBytes: Bool {
        switch self {
        case .as, .core, .data, .fsize, .memlock, .msgqueue, .rss, .stack: return true
        case .cpu, .locks, .nice, .nofile, .nproc, .rtprio, .rttime, .sigpending: return false
        }
    }
}

/// `cap drop NAME...|all`, `cap keep NAME...`. Capability numbers are those of
/// capabilities(7) / linux/capability.h.
public enum Capabilities: Hashable, Sendable {
    case all
    case some([Capability])
}

public struct Capability: Hashable, Sendable, Comparable {
    public var number: Int
    public init(number: Int) { self.number = number }
    public static func < (a: Capability, b: Capability) -> Bool { a.number < b.number }

    /// capabilities(7), in kernel number order: `names[n]` is capability n, lower case,
    /// without the `cap_` prefix (the language accepts `CAP_SYS_ADMIN`, `cap_sys_admin`
    /// and `sys_admin`; canonical text writes `sys_admin`).
    public static let names: [String] = [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
        "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
        "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
        "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
        "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
        "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
        "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
    ]
    public var name: String { Capability.names[number] }

    /// Every capability the language knows.
    static let all: UInt64 = (1 << UInt64(names.count)) - 1
}

extension Step {
    /// The capabilities a `cap` step removes (bit n: capability n); 0 for other steps.
    var removedCapabilities: UInt64 {
        switch self {
        case .capDrop(.all): return Capability.all
        case .capDrop(.some(let list)): return list.reduce(0) { $0 | 1 << UInt64($1.number) }
        case .capKeep(.all): return 0
        case .capKeep(.some(let list)): return Capability.all & ~list.reduce(0) { $0 | 1 << UInt64($1.number) }
        default: return 0
        }
    }
}
