#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// Kernel errors explained: the one owner of "why did the kernel say errno E to call S,
// here". A man page's ERRORS section lists several causes for one errno; which one holds
// is found by looking at the system at the moment of failure, never guessed. Two halves:
// - `look…` functions read the facts through the kernel — in the child before it
//   reports (its mount namespace is gone once it exits), in the parent for what the
//   parent did (the maps, the clone). Only a failed call runs them: a successful start
//   makes none of these calls.
// - pure functions over what was read (mountinfo text, statx results, capability sets,
//   sysctl values) name the cause and the fix, or say nothing when no cause they know
//   holds (an injected error, a cause the man page does not list).
// The cause crosses to the parent in the failure record (Protocol.swift), and is shown
// as a `note:` line under the error.

/// The cause that holds and what to do about it: one `note:` line.
struct KernelErrorCause: Equatable, Sendable {
    var because: String
    var fix: String
    var text: String { because + "; " + fix }
}

/// Where a path is among the mounts: statx(2) STATX_MNT_ID and STATX_ATTR_MOUNT_ROOT.
struct MountPosition: Equatable, Sendable {
    var mountID: UInt64
    /// The path is the root of its mount: a mount point.
    var isMountRoot: Bool
}

/// One line of /proc/PID/mountinfo (proc(5)):
/// `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER`.
struct MountInfoEntry: Equatable, Sendable {
    var id: UInt64
    var parent: UInt64
    var mountPoint: String
    var fstype: String
    /// The optional field `shared:N`: the mount is in a peer group (MS_SHARED).
    var shared: Bool

    init(id: UInt64, parent: UInt64, mountPoint: String, fstype: String, shared: Bool) {
        self.id = id
        self.parent = parent
        self.mountPoint = mountPoint
        self.fstype = fstype
        self.shared = shared
    }

    init?(_ line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count >= 8, let id = UInt64(fields[0]), let parent = UInt64(fields[1]),
              let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count else { return nil }
        self.init(id: id, parent: parent, mountPoint: unescapeMountInfo(fields[4]),
                  fstype: String(fields[dash + 1]),
                  shared: fields[6..<dash].contains { $0.hasPrefix("shared:") })
    }

    static func parse(_ text: String) -> [MountInfoEntry] {
        text.split(separator: "\n").compactMap(MountInfoEntry.init)
    }
}

/// mountinfo writes space, tab, newline and backslash as `\040`-style octal.
private func unescapeMountInfo(_ field: Substring) -> String {
    var bytes: [UInt8] = []
    var rest = Array(field.utf8)[...]
    while let byte = rest.first {
        if byte == 92, rest.count >= 4,
           let value = UInt8(String(decoding: rest.dropFirst().prefix(3), as: UTF8.self), radix: 8) {
            bytes.append(value)
            rest = rest.dropFirst(4)
        } else {
            bytes.append(byte)
            rest = rest.dropFirst()
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// CAP_SYS_ADMIN (capabilities(7)): what mount, pivot_root, sethostname and clone3 with
/// CLONE_NEW* (but a user namespace) need.
private let capSysAdmin: UInt64 = 1 << 21

// MARK: - pivot_root(2)

/// What the child saw when pivot_root(".", ".") failed: cfsh calls it after chdir(DIR),
/// so new_root and put_old are both the working directory.
struct PivotRootFacts: Equatable, Sendable {
    /// "/", the current root.
    var root: MountPosition?
    /// ".", new_root (and put_old).
    var newRoot: MountPosition?
    /// /proc/self/mountinfo; nil when it cannot be read (no proc in this root).
    var mounts: [MountInfoEntry]?
}

/// pivot_root(2) ERRORS, in the order the kernel checks them (fs/namespace.c).
func pivotRootCause(_ errno: Int32, newRoot directory: String, _ facts: PivotRootFacts) -> KernelErrorCause? {
    let byID = Dictionary((facts.mounts ?? []).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    let rootMount = facts.root.flatMap { byID[$0.mountID] }
    let newMount = facts.newRoot.flatMap { byID[$0.mountID] }
    switch errno {
    case EBUSY:
        if let root = facts.root, let new = facts.newRoot, root.mountID == new.mountID {
            return KernelErrorCause(
                because: "'\(directory)' is on the mount that is the current root (pivot_root(2) EBUSY: new_root is on the current root mount, as '/' itself is)",
                fix: "pivot_root into a directory that is a file system of its own below the root, such as a rootfs")
        }
    case EINVAL:
        // The propagation checks come first: put_old's mount (new_root's, here), the
        // parent of new_root's mount and the parent of the root's mount.
        for (what, mount) in [("'\(directory)'", newMount), ("the mount '\(directory)' is on",
                                                                 newMount.flatMap { byID[$0.parent] }),
                              ("the mount under the current root", rootMount.flatMap { byID[$0.parent] })] {
            if let mount, mount.shared {
                return KernelErrorCause(
                    because: "\(what) (\(mount.mountPoint)) has shared propagation (mountinfo 'shared:'; pivot_root(2) EINVAL)",
                    fix: "make it private first (mount --make-rprivate, as cfsh does for '/' in a new mount namespace)")
            }
        }
        if let root = facts.root, !root.isMountRoot {
            return KernelErrorCause(
                because: "the current root '/' is not a mount point: chroot(2) made a directory the root (a 'chroot' step before this one, or a chroot cfsh runs in; pivot_root(2) EINVAL)",
                fix: "use 'pivot_root DIR' instead of that 'chroot DIR' (pivot_root is the one that cannot be left)")
        }
        if let rootMount, rootMount.parent == rootMount.id {
            return KernelErrorCause(
                because: "the current root is the initial ramfs (\(rootMount.fstype)), which has no parent mount to pivot away from (pivot_root(2) EINVAL, NOTES)",
                fix: "run from a real root file system, or chroot into the new root instead (as switch_root does)")
        }
        if let new = facts.newRoot, !new.isMountRoot {
            return KernelErrorCause(
                because: "'\(directory)' is not a mount point (pivot_root(2) EINVAL)",
                fix: "bind it onto itself first (mount --bind DIR DIR), as cfsh's pivot_root does")
        }
        if let newMount, newMount.parent == newMount.id {
            return KernelErrorCause(
                because: "'\(directory)' is a mount with no parent in this mount namespace (pivot_root(2) EINVAL)",
                fix: "bind it onto a directory of the current root first")
        }
    default:
        break
    }
    return nil
}

/// Reads what pivotRootCause needs, in the child, after pivot_root(".", ".") failed.
func childLookWhyPivotRootFailed(_ error: Errno, newRoot directory: String, kernel: any Kernel) -> String? {
    guard error.rawValue == EINVAL || error.rawValue == EBUSY else { return nil }
    let facts = PivotRootFacts(root: try? kernel.mountPosition("/"), newRoot: try? kernel.mountPosition("."),
                               mounts: (try? kernel.readFile("/proc/self/mountinfo")).map(MountInfoEntry.parse))
    return pivotRootCause(error.rawValue, newRoot: directory, facts)?.text
}

// MARK: - mount(2) and umount(2)

/// What the child saw when a `mount` step failed.
struct MountFacts: Equatable, Sendable {
    var kind: Mount.Kind
    var target: String
    /// CAP_SYS_ADMIN in the effective set (capget(2)); nil if unread.
    var hasSysAdmin: Bool?
    /// /proc/self/mountinfo; nil when it cannot be read (no proc here).
    var mounts: [MountInfoEntry]?
    /// /proc/self/uid_map is `0 0 4294967295`: the initial user namespace, where the
    /// kernel's "fully visible" rule for proc and sysfs does not apply.
    var initialUserNamespace: Bool?
    /// Whether the pid (for proc) or net (for sysfs) namespace the mount would show is
    /// owned by the sandbox's own user namespace (ioctl NS_GET_USERNS against
    /// /proc/self/ns/user): when it is an ancestor's (the host's), the sandbox holds no
    /// capability there.
    var shownNamespaceOwnedHere: Bool?
    /// overlay: stat(2) st_dev:st_ino of upperdir and workdir.
    var upperDir: (path: String, identity: String)? = nil
    var workDir: (path: String, identity: String)? = nil

    static func == (a: MountFacts, b: MountFacts) -> Bool {
        a.kind == b.kind && a.target == b.target && a.initialUserNamespace == b.initialUserNamespace
            && a.shownNamespaceOwnedHere == b.shownNamespaceOwnedHere
            && a.hasSysAdmin == b.hasSysAdmin && a.mounts == b.mounts
            && a.upperDir?.path == b.upperDir?.path && a.upperDir?.identity == b.upperDir?.identity
            && a.workDir?.path == b.workDir?.path && a.workDir?.identity == b.workDir?.identity
    }
}

/// mount(2) ERRORS (and proc(5), sysfs in user_namespaces(7), overlayfs' own EINVAL).
func mountCause(_ errno: Int32, _ facts: MountFacts) -> KernelErrorCause? {
    switch errno {
    case EPERM:
        if facts.hasSysAdmin == false {
            return KernelErrorCause(
                because: "the sandbox holds no CAP_SYS_ADMIN, which mount needs in the user namespace owning its mount namespace (mount(2) EPERM): a 'cap' step removed it",
                fix: "put 'cap drop'/'cap keep' after the mounts: cap steps apply where written")
        }
        let shown = facts.kind == .proc ? "pid" : "net"
        if facts.kind == .proc || facts.kind == .sysfs, facts.shownNamespaceOwnedHere == false {
            return KernelErrorCause(
                because: "the \(shown) namespace \(facts.kind.rawValue) would show is not owned by the sandbox's user namespace (it is an outer one's, such as the host's), where the sandbox holds no CAP_SYS_ADMIN (mount(2) EPERM; namespaces(7))",
                fix: "add \(shown) to the 'unshare' line: a new one belongs to the sandbox's user namespace")
        }
        if facts.kind == .proc || facts.kind == .sysfs, facts.initialUserNamespace == false,
           !(facts.mounts ?? []).contains(where: { $0.fstype == facts.kind.rawValue }) {
            let seen = facts.mounts == nil ? "no proc is mounted here to read /proc/self/mountinfo from"
                : "no \(facts.kind.rawValue) is mounted in this mount namespace"
            return KernelErrorCause(
                because: "\(seen), and outside the initial user namespace the kernel mounts \(facts.kind.rawValue) only where one is already fully visible (mount(2) EPERM; mount_namespaces(7)): 'pivot_root' or 'chroot' left the old one behind",
                fix: "mount \(facts.kind.rawValue) into the new root before 'pivot_root'")
        }
    case EINVAL:
        if facts.kind == .overlay, let upper = facts.upperDir, let work = facts.workDir,
           upper.identity.split(separator: ":").first != work.identity.split(separator: ":").first {
            return KernelErrorCause(
                because: "upperdir \(upper.path) and workdir \(work.path) are on different file systems (st_dev \(upper.identity.split(separator: ":")[0]) and \(work.identity.split(separator: ":")[0])); overlayfs needs both on one (mount(2) EINVAL)",
                fix: "make workdir an empty directory beside upperdir, on the same file system")
        }
    default:
        break
    }
    return nil
}

/// umount2(2) ERRORS, with what the child saw.
func umountCause(_ errno: Int32, target: String, position: MountPosition?, workingDirectory: MountPosition?,
                 mounts: [MountInfoEntry]?) -> KernelErrorCause? {
    switch errno {
    case EINVAL:
        if let position, !position.isMountRoot {
            return KernelErrorCause(because: "'\(target)' is not a mount point (umount(2) EINVAL)",
                                    fix: "umount the directory something is mounted on")
        }
    case EBUSY:
        guard let position else { return nil }
        if let cwd = workingDirectory, cwd.mountID == position.mountID {
            return KernelErrorCause(because: "the sandbox's working directory is on '\(target)' (umount(2) EBUSY: the mount is in use)",
                                    fix: "'chdir' out of it before 'umount'")
        }
        if let child = mounts?.first(where: { $0.parent == position.mountID && $0.id != position.mountID }) {
            return KernelErrorCause(because: "\(child.mountPoint) is mounted on it (umount(2) EBUSY)",
                                    fix: "'umount \(child.mountPoint)' first")
        }
    default:
        break
    }
    return nil
}

/// Reads what mountCause needs, in the child, after a `mount` step failed.
func childLookWhyMountFailed(_ error: Errno, _ mount: Mount, plan: Plan, kernel: any Kernel) -> String? {
    guard error.rawValue == EPERM || error.rawValue == EINVAL || error.rawValue == EBUSY else { return nil }
    var facts = MountFacts(kind: mount.kind, target: mount.target,
                           hasSysAdmin: (try? kernel.capget()).map { $0.effective & capSysAdmin != 0 },
                           mounts: (try? kernel.readFile("/proc/self/mountinfo")).map(MountInfoEntry.parse))
    if error.rawValue == EPERM && (mount.kind == .proc || mount.kind == .sysfs) {
        // Without a proc to read it from: not the initial one when the clone made a user
        // namespace, or when EPERM came despite CAP_SYS_ADMIN — in the initial user
        // namespace that capability is all mount(2) asks of proc and sysfs.
        facts.initialUserNamespace = (try? kernel.readFile("/proc/self/uid_map"))
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "0", "4294967295"] }
            ?? (plan.namespaces.contains(.user) || facts.hasSysAdmin == true ? false : nil)
        // NS_GET_USERNS answers EPERM for an owner outside the caller's user namespace
        // (ioctl_ns(2)): an outer one's, which is the answer here too.
        let own = try? kernel.perform(.fileIdentity(path: "/proc/self/ns/user")).text
        do throws(Errno) {
            let owner = try kernel.perform(.namespaceOwner(path: mount.kind == .proc ? "/proc/self/ns/pid" : "/proc/self/ns/net")).text
            if let own, !own.isEmpty, !owner.isEmpty { facts.shownNamespaceOwnedHere = own == owner }
        } catch {
            if error.rawValue == EPERM { facts.shownNamespaceOwnedHere = false }
        }
    }
    if mount.kind == .overlay, let data = mount.settings.data {
        var options: [Substring: String] = [:]
        for option in data.split(separator: ",") {
            let parts = option.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { options[parts[0]] = String(parts[1]) }
        }
        func identity(_ key: Substring) -> (String, String)? {
            guard let path = options[key], let id = try? kernel.perform(.fileIdentity(path: path)).text else { return nil }
            return (path, id)
        }
        facts.upperDir = identity("upperdir")
        facts.workDir = identity("workdir")
    }
    return mountCause(error.rawValue, facts)?.text
}

/// Reads what umountCause needs, in the child, after `umount` failed.
func childLookWhyUmountFailed(_ error: Errno, target: String, kernel: any Kernel) -> String? {
    guard error.rawValue == EINVAL || error.rawValue == EBUSY else { return nil }
    return umountCause(error.rawValue, target: target, position: try? kernel.mountPosition(target),
                       workingDirectory: try? kernel.mountPosition("."),
                       mounts: (try? kernel.readFile("/proc/self/mountinfo")).map(MountInfoEntry.parse))?.text
}

// MARK: - sethostname(2)

/// sethostname(2) EPERM: "the caller did not have the CAP_SYS_ADMIN capability in the user
/// namespace associated with its UTS namespace" (uts_namespaces(7)).
func sethostnameCause(_ errno: Int32, call: String, hasSysAdmin: Bool?, namespaces: Namespaces) -> KernelErrorCause? {
    guard errno == EPERM else { return nil }
    if hasSysAdmin == false {
        return KernelErrorCause(
            because: "the sandbox holds no CAP_SYS_ADMIN, which \(call) needs in the user namespace owning its UTS namespace (\(call)(2) EPERM): a 'cap' step removed it",
            fix: "put 'cap drop'/'cap keep' after 'set hostname'/'set domainname'")
    }
    if namespaces.contains(.user) && !namespaces.contains(.uts) {
        return KernelErrorCause(
            because: "the UTS namespace is the host's, owned by the initial user namespace, where the sandbox's new user namespace gives no capability (\(call)(2) EPERM)",
            fix: "add uts to the 'unshare' line")
    }
    return nil
}

func childLookWhySethostnameFailed(_ error: Errno, call: String, plan: Plan, kernel: any Kernel) -> String? {
    guard error.rawValue == EPERM else { return nil }
    return sethostnameCause(error.rawValue, call: call,
                            hasSysAdmin: (try? kernel.capget()).map { $0.effective & capSysAdmin != 0 },
                            namespaces: plan.namespaces)?.text
}

// MARK: - /proc/PID/uid_map and gid_map (user_namespaces(7))

/// What the parent saw when writing a map file failed.
struct IDMapFacts: Equatable, Sendable {
    /// "uid_map" or "gid_map".
    var file: String
    /// The lines cfsh wrote.
    var written: [IDMap]
    /// cfsh's ids: getuid, getgid, geteuid.
    var uid: UInt32
    var gid: UInt32
    var euid: UInt32
    /// The map file as it is now: not empty when something wrote it already.
    var current: String?
    /// /proc/PID/setgroups: "allow" or "deny".
    var setgroups: String?
}

/// user_namespaces(7), "Defining user and group ID mappings: writing to uid_map and gid_map".
func idMapCause(_ errno: Int32, _ facts: IDMapFacts) -> KernelErrorCause? {
    guard errno == EPERM, facts.file == "uid_map" || facts.file == "gid_map" else { return nil }
    let kind = facts.file == "uid_map" ? "uid" : "gid"
    if let current = facts.current, !current.split(separator: "\n").isEmpty {
        return KernelErrorCause(
            because: "/proc/PID/\(facts.file) was written already (it holds \(current.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }.joined(separator: ", "))): a map can be written only once (user_namespaces(7))",
            fix: "let nothing else write the sandbox's \(facts.file); give every line in the plan's 'map \(kind)' lines")
    }
    guard facts.euid != 0 else { return nil }
    if facts.file == "gid_map", let setgroups = facts.setgroups,
       setgroups.split(separator: "\n").first != "deny" {
        return KernelErrorCause(
            because: "/proc/PID/setgroups holds '\(setgroups.split(separator: "\n").first ?? "")': without CAP_SETGID in the parent namespace, gid_map may be written only after 'deny' is (user_namespaces(7))",
            fix: "write 'deny' to /proc/PID/setgroups before gid_map, as cfsh does without root")
    }
    let own = kind == "uid" ? facts.uid : facts.gid
    if facts.written.count != 1 || facts.written.contains(where: { $0.outside != own || $0.count != 1 }) {
        return KernelErrorCause(
            because: "without root (cfsh runs as uid \(facts.euid)) only your own \(kind) \(own) can be mapped, in one line of count 1; \(facts.written.map { "\($0.outside)" + ($0.count > 1 ? "-\(UInt64($0.outside) + UInt64($0.count) - 1)" : "") }.joined(separator: ", ")) is not mapped in the parent namespace for you (user_namespaces(7))",
            fix: "write 'map \(kind) 0 \(own) 1', or run as root (newuidmap(1) grants more from /etc/sub\(kind))")
    }
    return nil
}

/// Reads what idMapCause needs, in the parent, after writing `file` of `pid` failed.
func parentLookWhyIDMapFailed(_ error: Errno, file: String, written: [IDMap], pid: pid_t,
                              kernel: any Kernel) -> String? {
    guard error.rawValue == EPERM else { return nil }
    let invoking = kernel.invokingUser()
    let proc = "/proc/" + String(pid) + "/"
    return idMapCause(error.rawValue, IDMapFacts(
        file: file, written: written, uid: invoking.uid, gid: invoking.gid, euid: invoking.euid,
        current: try? kernel.readFile(proc + file), setgroups: try? kernel.readFile(proc + "setgroups")))?.text
}

// MARK: - clone3(2)

/// What the parent saw when clone3 with CLONE_NEW* failed.
struct CloneFacts: Equatable, Sendable {
    var namespaces: Namespaces
    var euid: UInt32
    var hasSysAdmin: Bool?
    /// /proc/sys/kernel/unprivileged_userns_clone (Debian's kernels; nil where absent).
    var unprivilegedUsernsClone: Int?
    /// /proc/sys/user/max_*_namespaces of the plan's namespaces, in the language's order:
    /// this user namespace's limits (namespaces(7), "The /proc/sys/user directory").
    var limits: [(namespace: Namespace, value: Int?)]

    static func == (a: CloneFacts, b: CloneFacts) -> Bool {
        a.namespaces == b.namespaces && a.euid == b.euid && a.hasSysAdmin == b.hasSysAdmin
            && a.unprivilegedUsernsClone == b.unprivilegedUsernsClone
            && a.limits.map(\.namespace) == b.limits.map(\.namespace) && a.limits.map(\.value) == b.limits.map(\.value)
    }
}

/// The sysctl of a namespace type's count limit, as /proc/sys/user names it.
func namespaceLimitName(_ namespace: Namespace) -> String {
    switch namespace {
    case .mount: return "max_mnt_namespaces"
    default: return "max_" + namespace.rawValue + "_namespaces"
    }
}

/// clone(2) ERRORS for CLONE_NEW* (and namespaces(7), user_namespaces(7)).
func cloneCause(_ errno: Int32, _ facts: CloneFacts) -> KernelErrorCause? {
    let limits = facts.limits.compactMap { entry in entry.value.map { (entry.namespace, $0) } }
    switch errno {
    case ENOSPC, EUSERS:
        if let (namespace, _) = limits.first(where: { $0.1 == 0 }) {
            return KernelErrorCause(
                because: "user.\(namespaceLimitName(namespace)) is 0 (/proc/sys/user/\(namespaceLimitName(namespace))): no \(namespace.rawValue) namespace may be made here (namespaces(7))",
                fix: "raise it (sysctl user.\(namespaceLimitName(namespace))=N, as root of this user namespace), or leave \(namespace.rawValue) off the 'unshare' line")
        }
        guard !limits.isEmpty else { return nil }
        return KernelErrorCause(
            because: "a per-user limit on namespaces was reached (clone(2) \(errno == ENOSPC ? "ENOSPC" : "EUSERS"); namespaces(7)): here "
                + limits.map { "user.\(namespaceLimitName($0.0)) = \($0.1)" }.joined(separator: ", ")
                + " (an ancestor user namespace's limit, or 32 nested pid or user namespaces, counts too)",
            fix: "end sandboxes you no longer need, or raise the limit")
    case EPERM:
        if facts.namespaces.contains(.user), facts.euid != 0, facts.unprivilegedUsernsClone == 0 {
            return KernelErrorCause(
                because: "unprivileged user namespaces are disabled: /proc/sys/kernel/unprivileged_userns_clone is 0",
                fix: "run as root, or have an administrator set kernel.unprivileged_userns_clone=1")
        }
        if !facts.namespaces.subtracting(.user).isEmpty, !facts.namespaces.contains(.user), facts.hasSysAdmin == false {
            let who = facts.euid == 0 ? "root without it in its effective set (a capability-dropping wrapper?)"
                : "uid \(facts.euid)"
            return KernelErrorCause(
                because: "cfsh holds no CAP_SYS_ADMIN (it runs as \(who)), which every new namespace but a user namespace needs (clone(2) EPERM)",
                fix: facts.euid == 0 ? "run cfsh with CAP_SYS_ADMIN, or add user to the 'unshare' line"
                    : "run as root, or add user to the 'unshare' line (rootless: you become root inside)")
        }
    default:
        break
    }
    return nil
}

/// Reads what cloneCause needs, in the parent, after clone3 failed.
func parentLookWhyCloneFailed(_ error: Errno, plan: Plan, kernel: any Kernel) -> String? {
    guard [EPERM, ENOSPC, EUSERS].contains(error.rawValue), !plan.namespaces.isEmpty else { return nil }
    func number(_ path: String) -> Int? {
        (try? kernel.readFile(path)).flatMap { Int($0.split(separator: "\n").first ?? "") }
    }
    var limits: [(namespace: Namespace, value: Int?)] = []
    for namespace in Namespace.allCases where plan.namespaces.contains(Namespaces(namespace)) {
        limits.append((namespace, number("/proc/sys/user/" + namespaceLimitName(namespace))))
    }
    return cloneCause(error.rawValue, CloneFacts(
        namespaces: plan.namespaces, euid: kernel.invokingUser().euid,
        hasSysAdmin: (try? kernel.capget()).map { $0.effective & capSysAdmin != 0 },
        unprivilegedUsernsClone: number("/proc/sys/kernel/unprivileged_userns_clone"),
        limits: limits))?.text
}
