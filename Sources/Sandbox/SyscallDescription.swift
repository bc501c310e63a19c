#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

// One call as strace(1) would print it, with symbolic flags: the one text of `set trace
// on`, of `explain` and of the double's records in test failures. Only formatted when
// tracing or explaining; numbers go through String(_:), not interpolation, to keep the
// child's start free of generic formatting.

extension Syscall: CustomStringConvertible {
    var description: String {
        switch self {
        case .pipe2: return "pipe2(O_CLOEXEC)"
        case .read(let fd): return "read(" + String(fd) + ", ...)"
        case .readSome(let fd, let wait):
            return (wait ? "" : "poll(" + String(fd) + ", POLLIN, 0), ") + "read(" + String(fd) + ", 1)"
        case .write(let fd, let text):
            return "write(" + String(fd) + ", " + quote(text, limit: 32) + ", "
                + String(text.utf8.count) + ")"
        case .close(let fd): return "close(" + String(fd) + ")"
        case .readFile(let path): return "read(" + quote(path) + ")"
        case .writeFile(let path, let text):
            return "write(" + quote(path) + ", "
                + quote(text.hasSuffix("\n") ? String(text.dropLast()) : text) + ")"
        case .mkdir(let path, let mode): return "mkdir(" + quote(path) + ", " + octal(mode) + ")"
        case .rmdir(let path): return "rmdir(" + quote(path) + ")"
        case .createFile(let path, let mode):
            return "open(" + quote(path) + ", O_WRONLY|O_CREAT|O_CLOEXEC, " + octal(mode) + ")"
        case .symlink(let target, let path): return "symlink(" + quote(target) + ", " + quote(path) + ")"
        case .setCloseOnExec(let fd): return "fcntl(" + String(fd) + ", F_SETFD, FD_CLOEXEC)"
        case .closeRange(let first, let last):
            return "close_range(" + String(first) + ", " + (last == UInt32.max ? "~0U" : String(last)) + ", 0)"

        case .clone3Exec(let flags, _, _, _, _, _, _): return "clone3(" + cloneFlagNames(flags) + ")"
        case .setpgid(let pid, let group): return "setpgid(" + String(pid) + ", " + String(group) + ")"
        case .setsid: return "setsid()"
        case .hasControllingTerminal: return "open(\"/dev/tty\", O_RDONLY|O_NOCTTY|O_CLOEXEC)"
        case .setParentDeathSignal(let signal): return "prctl(PR_SET_PDEATHSIG, " + signalName(signal) + ")"
        case .getppid: return "getppid()"
        case .listDirectory(let path): return "getdents64(open(" + quote(path) + ", O_DIRECTORY))"
        case .fork: return "fork()"
        case .posixSpawn(let path, let argv, _):
            return "posix_spawn(" + quote(path) + ", " + list(argv) + ", ENV)"
        case .execve(let path, let argv, _): return "execve(" + quote(path) + ", " + list(argv) + ", ENV)"
        case .wait4(let pid, let options):
            return "wait4(" + String(pid) + (options == 0 ? "" : ", " + waitOptionNames(options)) + ")"
        case .reapUntilExit(let command, let stopFD):
            return "wait4(-1) until " + String(command) + " exits (PID 1: reaps, forwards signals"
                + (stopFD >= 0 ? ", says stops on " + String(stopFD) : "") + ")"
        case .exit(let status): return "_exit(" + String(status) + ")"
        case .kill(let pid, let signal): return "kill(" + String(pid) + ", " + String(signal) + ")"
        case .getpid: return "getpid()"
        case .getuid: return "getuid()"
        case .getgid: return "getgid()"
        case .geteuid: return "geteuid()"
        case .sleep(let microseconds): return "usleep(" + String(microseconds) + ")"

        case .ignoreSignal(let signal):
            return "rt_sigaction(" + signalName(signal) + ", {SIG_IGN})"
        case .forwardSignals(let pid):
            return "rt_sigaction(" + signalNames(forwardedSignals)
                + ", {forward to " + String(pid) + ", SA_SIGINFO|SA_RESTART})"
        case .restoreSignals(let saved):
            return "rt_sigaction(" + signalNames(saved.actions.map(\.signal)) + ", {as before})"
        case .unignoreChildSignal: return "rt_sigaction(SIGCHLD, {SIG_DFL}) if it was SIG_IGN"
        case .blockAllSignals: return "rt_sigprocmask(SIG_SETMASK, ~[])"
        case .resetSignalsForCommand:
            return "rt_sigaction(" + signalNames(signalsResetForCommand)
                + ", {SIG_DFL}), rt_sigprocmask(SIG_SETMASK, [])"
        case .giveTerminal(let fd, let pid, let modes):
            return "setpgid(" + String(pid) + ", " + String(pid) + "), tcsetpgrp(" + String(fd)
                + ", " + String(pid) + ")" + (modes == nil ? "" : ", tcsetattr(" + String(fd) + ", {the job's})")
        case .takeTerminalBack(let handover):
            return "tcsetpgrp(" + String(handover.fd) + ", getpgrp()), tcsetattr("
                + String(handover.fd) + ", TCSADRAIN, {as before})"

        case .sethostname(let name): return "sethostname(" + quote(name) + ")"
        case .setdomainname(let name): return "setdomainname(" + quote(name) + ")"
        case .mount(let source, let target, let fstype, let flags, let data):
            return "mount(" + quote(source) + ", " + quote(target) + ", " + quote(fstype) + ", "
                + mountFlagNames(flags) + ", " + quote(data) + ")"
        case .umount2(let target, let flags):
            // strace's spelling: MNT_DETACH (2) is the one flag cfsh uses (umount(2)).
            return "umount2(" + quote(target) + ", " + (flags == MNT_DETACH ? "MNT_DETACH" : String(flags)) + ")"
        case .statvfs(let path): return "statvfs(" + quote(path) + ")"
        case .chroot(let path): return "chroot(" + quote(path) + ")"
        case .checkBeneath(let directory, let path):
            return "openat2(open(" + quote(directory) + "), " + quote(path)
                + ", O_PATH, RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS)"
        case .readlink(let path): return "readlink(" + quote(path) + ")"
        case .chdir(let path): return "chdir(" + quote(path) + ")"
        case .openTreeClone(let path):
            return "open_tree(AT_FDCWD, " + quote(path) + ", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC)"
        case .moveMount(let fd, let target):
            return "move_mount(" + String(fd) + ", \"\", AT_FDCWD, " + quote(target)
                + ", MOVE_MOUNT_F_EMPTY_PATH)"
        case .pivotRoot(let newRoot, let putOld):
            return "pivot_root(" + quote(newRoot) + ", " + quote(putOld) + ")"
        case .setgroups(let groups):
            return "setgroups([" + groups.map { String($0) }.joined(separator: ", ") + "])"
        case .setresgid(let gid): return "setresgid(" + String(gid) + ", " + String(gid) + ", " + String(gid) + ")"
        case .setresuid(let uid): return "setresuid(" + String(uid) + ", " + String(uid) + ", " + String(uid) + ")"
        case .prlimit(let resource, let soft, let hard):
            return "prlimit64(0, " + resourceName(resource) + ", {rlim_cur=" + limit(soft)
                + ", rlim_max=" + limit(hard) + "}, NULL)"
        case .setNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS, 1)"
        case .dropBoundingCapability(let number):
            return "prctl(PR_CAPBSET_DROP, " + capabilityName(number) + ")"
        case .clearAmbientCapabilities: return "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)"
        case .capget: return "capget()"
        case .capset(let sets):
            return "capset(effective=" + hex(sets.effective) + ", permitted=" + hex(sets.permitted)
                + ", inheritable=" + hex(sets.inheritable) + ")"
        case .interfaceUp(let name):
            return "ioctl(socket(AF_INET, SOCK_DGRAM), SIOCSIFFLAGS, {ifr_name=" + quote(name)
                + ", ifr_flags|=IFF_UP})"
        case .fileIdentity(let path): return "stat(" + quote(path) + ")"
        case .mountPosition(let path): return "statx(AT_FDCWD, " + quote(path) + ", 0, STATX_MNT_ID)"
        case .namespaceOwner(let path): return "ioctl(open(" + quote(path) + "), NS_GET_USERNS)"
        case .utsNames(let pid):
            let proc = "open(\"/proc/" + String(pid)
            return "fork() → setns(" + proc + "/ns/uts\"), CLONE_NEWUTS) (on EPERM: setns(" + proc
                + "/ns/user\"), CLONE_NEWUSER) first), uname()"
        }
    }

    /// With what the call gave back, as strace ends its line: ` = 4242`, ` = [3, 4]` (a
    /// pipe's fds), ` = -1 ENOENT`; nothing for data (read text, flags).
    func description(returning result: SyscallResult?, error: Errno?) -> String {
        if let error { return description + " = -1 " + errnoName(error.rawValue) }
        switch result {
        case .returned(let n)?: return description + " = " + String(n)
        case .pipe(let read, let write)?:
            return description + " = [" + String(read) + ", " + String(write) + "]"
        default: return description
        }
    }

    /// The name strace prints first: what the double's `fail(_:)` counts by.
    var name: String {
        let text = description
        return String(text[..<(text.firstIndex(of: "(") ?? text.endIndex)])
    }
}

/// A C string as strace shows it; with `limit`, cut after that many characters ("..."
/// after the quote, as strace -s does).
func quote(_ s: String?, limit: Int = Int.max) -> String {
    guard let s else { return "NULL" }
    var out = "\""
    var count = 0
    for c in s {
        if count == limit { return out + "\"..." }
        count += 1
        switch c {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out.append(c)
        }
    }
    return out + "\""
}

private func list(_ strings: [String]) -> String {
    "[" + strings.map { quote($0) }.joined(separator: ", ") + "]"
}

private func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }
private func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
/// prlimit64's infinity, as strace names it (ExplainIsProvenTests compares the two).
private func limit(_ v: UInt64) -> String { v == UInt64.max ? "RLIM64_INFINITY" : String(v) }

private func mountFlagNames(_ flags: UInt) -> String {
    let names: [(UInt, String)] = [
        (UInt(MS_RDONLY), "MS_RDONLY"), (UInt(MS_NOSUID), "MS_NOSUID"),
        (UInt(MS_NODEV), "MS_NODEV"), (UInt(MS_NOEXEC), "MS_NOEXEC"),
        (UInt(MS_SYNCHRONOUS), "MS_SYNCHRONOUS"), (UInt(MS_REMOUNT), "MS_REMOUNT"),
        (UInt(MS_NOATIME), "MS_NOATIME"), (UInt(MS_NODIRATIME), "MS_NODIRATIME"),
        (UInt(MS_BIND), "MS_BIND"), (UInt(MS_REC), "MS_REC"), (UInt(MS_PRIVATE), "MS_PRIVATE"),
        (UInt(MS_RELATIME), "MS_RELATIME"), (UInt(MS_STRICTATIME), "MS_STRICTATIME"),
    ]
    var shown: [String] = []
    var rest = flags
    for (bit, name) in names where flags & bit != 0 {
        shown.append(name)
        rest &= ~bit
    }
    if rest != 0 { shown.append("0x" + String(rest, radix: 16)) }
    return shown.isEmpty ? "0" : shown.joined(separator: "|")
}

func cloneFlagNames(_ flags: UInt64) -> String {
    // How the child is made first and CLONE_CLEAR_SIGHAND (the highest bit) last, as
    // strace -f writes the call.
    let names: [(UInt64, String)] = [
        (UInt64(CFS_CLONE_VM), "CLONE_VM"), (UInt64(CFS_CLONE_VFORK), "CLONE_VFORK"),
        (UInt64(CFS_CLONE_NEWNS), "CLONE_NEWNS"), (UInt64(CFS_CLONE_NEWCGROUP), "CLONE_NEWCGROUP"),
        (UInt64(CFS_CLONE_NEWUTS), "CLONE_NEWUTS"), (UInt64(CFS_CLONE_NEWIPC), "CLONE_NEWIPC"),
        (UInt64(CFS_CLONE_NEWUSER), "CLONE_NEWUSER"), (UInt64(CFS_CLONE_NEWPID), "CLONE_NEWPID"),
        (UInt64(CFS_CLONE_NEWNET), "CLONE_NEWNET"), (UInt64(CFS_CLONE_NEWTIME), "CLONE_NEWTIME"),
        (UInt64(CFS_CLONE_CLEAR_SIGHAND), "CLONE_CLEAR_SIGHAND"),
    ]
    return (names.filter { flags & $0.0 != 0 }.map(\.1) + ["SIGCHLD"]).joined(separator: "|")
}

private func resourceName(_ resource: Int32) -> String {
    ResourceLimit.Name.allCases.first { resourceNumber($0) == resource }
        .map { "RLIMIT_" + $0.rawValue.uppercased() } ?? String(resource)
}

func capabilityName(_ number: Int) -> String {
    number < Capability.names.count ? "CAP_" + Capability.names[number].uppercased() : String(number)
}

func signalName(_ signal: Int32) -> String {
    switch signal {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case SIGHUP: return "SIGHUP"
    case SIGQUIT: return "SIGQUIT"
    case SIGPIPE: return "SIGPIPE"
    case SIGTTOU: return "SIGTTOU"
    case SIGTTIN: return "SIGTTIN"
    case SIGTSTP: return "SIGTSTP"
    case SIGCHLD: return "SIGCHLD"
    case SIGKILL: return "SIGKILL"
    default: return String(signal)
    }
}

private func waitOptionNames(_ options: Int32) -> String {
    var names: [String] = []
    if options & WUNTRACED != 0 { names.append("WUNTRACED") }
    if options & WNOHANG != 0 { names.append("WNOHANG") }
    return names.joined(separator: "|")
}

private func signalNames(_ signals: List<Int32>) -> String {
    signals.map(signalName).joined(separator: "|")
}

/// "ENOENT" for the errnos the engine meets; the number otherwise.
func errnoName(_ errno: Int32) -> String {
    switch errno {
    case EPERM: return "EPERM"
    case ENOENT: return "ENOENT"
    case EACCES: return "EACCES"
    case EBUSY: return "EBUSY"
    case ENOTDIR: return "ENOTDIR"
    case EINVAL: return "EINVAL"
    case ENOEXEC: return "ENOEXEC"
    case ENOSYS: return "ENOSYS"
    case ENOMEM: return "ENOMEM"
    case ENOSPC: return "ENOSPC"
    case EEXIST: return "EEXIST"
    case ELOOP: return "ELOOP"
    case EAGAIN: return "EAGAIN"
    case ENODEV: return "ENODEV"
    case ESRCH: return "ESRCH"
    case EXDEV: return "EXDEV"
    default: return String(errno)
    }
}
