#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

/// One syscall as strace(1) would print it: the lines of `explain` and of `set trace on`.
enum SyscallText {
    static func quote(_ s: String?) -> String {
        guard let s else { return "NULL" }
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out + "\""
    }

    // The calls whose text is the same for `explain` (RecordingSyscalls) and `set trace on`
    // (Trace), written once here.
    static func sethostname(_ name: String) -> String { "sethostname(\(quote(name)))" }
    static func setdomainname(_ name: String) -> String { "setdomainname(\(quote(name)))" }
    static func chroot(_ path: String) -> String { "chroot(\(quote(path)))" }
    static func pivotRoot(_ newRoot: String, _ putOld: String) -> String { "pivot_root(\(quote(newRoot)), \(quote(putOld)))" }
    static func chdir(_ path: String) -> String { "chdir(\(quote(path)))" }
    static func setgroups(_ groups: [gid_t]) -> String { "setgroups(\(groups))" }
    static func setresgid(_ gid: gid_t) -> String { "setresgid(\(gid), \(gid), \(gid))" }
    static func setresuid(_ uid: uid_t) -> String { "setresuid(\(uid), \(uid), \(uid))" }
    static let noNewPrivs = "prctl(PR_SET_NO_NEW_PRIVS, 1)"
    static let ambientClearAll = "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)"
    static func capbsetDrop(_ number: Int) -> String { "prctl(PR_CAPBSET_DROP, \(capability(number)))" }

    static func list(_ strings: [String]) -> String {
        "[" + strings.map { quote($0) }.joined(separator: ", ") + "]"
    }

    static let mountFlagNames: [(UInt, String)] = [
        (UInt(MS_RDONLY), "MS_RDONLY"), (UInt(MS_NOSUID), "MS_NOSUID"),
        (UInt(MS_NODEV), "MS_NODEV"), (UInt(MS_NOEXEC), "MS_NOEXEC"),
        (UInt(MS_SYNCHRONOUS), "MS_SYNCHRONOUS"), (UInt(MS_REMOUNT), "MS_REMOUNT"),
        (UInt(MS_NOATIME), "MS_NOATIME"), (UInt(MS_NODIRATIME), "MS_NODIRATIME"),
        (UInt(MS_BIND), "MS_BIND"), (UInt(MS_REC), "MS_REC"), (UInt(MS_PRIVATE), "MS_PRIVATE"),
        (UInt(MS_RELATIME), "MS_RELATIME"), (UInt(MS_STRICTATIME), "MS_STRICTATIME"),
    ]

    static func mountFlags(_ flags: UInt) -> String {
        var names: [String] = []
        var rest = flags
        for (bit, name) in mountFlagNames where flags & bit != 0 {
            names.append(name)
            rest &= ~bit
        }
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        return names.isEmpty ? "0" : names.joined(separator: "|")
    }

    static let cloneFlagNames: [(UInt64, String)] = [
        (UInt64(CFS_CLONE_NEWNS), "CLONE_NEWNS"), (UInt64(CFS_CLONE_NEWCGROUP), "CLONE_NEWCGROUP"),
        (UInt64(CFS_CLONE_NEWUTS), "CLONE_NEWUTS"), (UInt64(CFS_CLONE_NEWIPC), "CLONE_NEWIPC"),
        (UInt64(CFS_CLONE_NEWUSER), "CLONE_NEWUSER"), (UInt64(CFS_CLONE_NEWPID), "CLONE_NEWPID"),
        (UInt64(CFS_CLONE_NEWNET), "CLONE_NEWNET"), (UInt64(CFS_CLONE_NEWTIME), "CLONE_NEWTIME"),
    ]

    static func cloneFlags(_ flags: UInt64) -> String {
        let names = cloneFlagNames.filter { flags & $0.0 != 0 }.map(\.1)
        return (names + ["SIGCHLD"]).joined(separator: "|")
    }

    static func mount(source: String?, target: String, fstype: String?, flags: UInt,
                      data: String?) -> String {
        "mount(\(quote(source)), \(quote(target)), \(quote(fstype)), \(mountFlags(flags)), \(quote(data)))"
    }

    static func umount(_ target: String, flags: Int32) -> String {
        "umount2(\(quote(target)), \(flags))"
    }

    static func prlimit(_ resource: Int32, soft: UInt64, hard: UInt64) -> String {
        func value(_ v: UInt64) -> String { v == UInt64.max ? "RLIM_INFINITY" : String(v) }
        let name = ResourceLimit.Name.allCases.first { resourceNumber($0) == resource }
            .map { "RLIMIT_" + $0.rawValue.uppercased() } ?? String(resource)
        return "prlimit64(0, \(name), {rlim_cur=\(value(soft)), rlim_max=\(value(hard))}, NULL)"
    }

    static func capability(_ number: Int) -> String {
        number < Capability.names.count ? "CAP_" + Capability.names[number].uppercased()
            : String(number)
    }

    static func capset(_ sets: CapabilitySets) -> String {
        func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
        return "capset(effective=\(hex(sets.effective)), permitted=\(hex(sets.permitted)), "
            + "inheritable=\(hex(sets.inheritable)))"
    }

    static func interfaceUp(_ name: String) -> String {
        "ioctl(socket(AF_INET, SOCK_DGRAM), SIOCSIFFLAGS, {ifr_name=\(quote(name)), ifr_flags|=IFF_UP})"
    }

    static func mkdir(_ path: String, mode: mode_t) -> String {
        "mkdir(\(quote(path)), 0\(String(mode, radix: 8)))"
    }

    static func createFile(_ path: String, mode: mode_t) -> String {
        "open(\(quote(path)), O_WRONLY|O_CREAT|O_CLOEXEC, 0\(String(mode, radix: 8)))"
    }

    static func symlink(_ target: String, _ path: String) -> String {
        "symlink(\(quote(target)), \(quote(path)))"
    }

    static func openTreeClone(_ path: String) -> String {
        "open_tree(AT_FDCWD, \(quote(path)), OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)"
    }

    static func moveMount(_ fd: Int32, _ target: String) -> String {
        "move_mount(\(fd), \"\", AT_FDCWD, \(quote(target)), MOVE_MOUNT_F_EMPTY_PATH)"
    }

    static func execve(_ path: String, _ argv: [String]) -> String {
        "execve(\(quote(path)), \(list(argv)), ENV)"
    }
}
