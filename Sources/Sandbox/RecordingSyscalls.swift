#if canImport(Glibc)
import Glibc
#endif

/// The test double (youki's `TestHelperSyscall`): records every call as a line, in
/// order, and fails the calls it is told to. Pipes are simulated (what is written on a
/// write end is read on its read end), so the real parent and child code run against it
/// end to end; `explain` uses it to print what a run would do.
public final class RecordingSyscalls: Syscalls {
    /// "parent: clone3(...)", "child: chroot(\"./rootfs\")", ...
    public internal(set) var calls: [String] = []
    /// The side the next lines are recorded for: "parent", "child" or "command".
    public var side = "parent"
    /// The pid cloneAndExec returns.
    public var childPID: pid_t = 4242
    /// The wait status `wait` returns (default: exited 0).
    public var waitStatus: Int32 = 0
    /// Decides each execve's result (nil: it would succeed). Default: every path works.
    public var execveResult: (String) -> Errno? = { _ in nil }
    /// What `invokingUser` returns: cfsh's own ids unless a test sets them.
    public var user: (uid: uid_t, gid: gid_t, euid: uid_t) = (getuid(), getgid(), geteuid())
    /// What capget returns: root's, every capability the language knows.
    public var capabilitySets = CapabilitySets(effective: (1 << 41) - 1, permitted: (1 << 41) - 1)
    /// What readFile returns, by path (missing: ENOENT). Default: a cgroup v1 host, as
    /// the machine this was built on.
    public var files: [String: String] = ["/proc/self/cgroup": "8:pids:/\n4:memory:/\n1:cpu:/\n0::/\n"]
    /// Called when the parent writes "go": explain runs the child here.
    var onGo: (() -> Void)?

    private var failures: [String: [Int: Errno]] = [:]
    private var counts: [String: Int] = [:]
    private var nextFD: Int32 = 3
    private var pipes: [Int32: Int32] = [:]  // write end → read end
    private var buffers: [Int32: String] = [:]  // read end → data
    /// The re-exec waiting for the maps (clone3 with mapsFD): its read end and lines.
    private var pendingExec: (fd: Int32, lines: [String])?

    public init() {}

    /// Makes the `occurrence`th call (1-based) of syscall `name` fail with `errno`.
    public func fail(_ name: String, with errno: Int32, occurrence: Int = 1) {
        failures[name, default: [:]][occurrence] = Errno(errno)
    }

    /// Data the parent side would find on a read end (the child's failure record).
    public func preload(_ fd: Int32, _ text: String) { buffers[fd, default: ""] += text }

    /// The calls' lines without their side.
    public var syscalls: [String] {
        calls.map { line in String(line[line.index(after: line.firstIndex(of: ":")!)...].dropFirst()) }
    }

    private func record(_ name: String, _ line: String) throws {
        counts[name, default: 0] += 1
        if let error = failures[name]?[counts[name]!] {
            calls.append("\(side): \(line) = -1 \(errnoName(error.rawValue))")
            throw error
        }
        calls.append("\(side): \(line)")
    }

    public func pipe() throws -> (read: Int32, write: Int32) {
        let fds = (nextFD, nextFD + 1)
        try record("pipe2", "pipe2([\(fds.0), \(fds.1)], O_CLOEXEC)")
        nextFD += 2
        pipes[fds.1] = fds.0
        return (fds.0, fds.1)
    }

    public func cloneAndExec(flags: UInt64, path: String, argv: [String], inherit: [Int32],
                             errorFD: Int32, newProcessGroup: Bool,
                      maps: (read: Int32, write: Int32)?) throws -> pid_t {
        try record("clone3", "clone3(\(SyscallText.cloneFlags(flags))) = \(childPID)")
        if newProcessGroup { calls.append("child: setpgid(0, 0)") }
        let exec = "child: \(SyscallText.execve(path, argv))"
        if let maps {
            // The re-exec waits until the parent has written the maps.
            calls.append("child: read(\(maps.read), the maps written)")
            pendingExec = (maps.read, [exec])
        } else {
            calls.append(exec)
        }
        return childPID
    }

    public func invokingUser() -> (uid: uid_t, gid: gid_t, euid: uid_t) { user }

    public func readFile(_ path: String) throws -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let text = files[path] else {
            counts[name, default: 0] += 1
            calls.append("\(side): read(\(SyscallText.quote(path))) = -1 ENOENT")
            throw Errno(ENOENT)
        }
        try record(name, "read(\(SyscallText.quote(path)))")
        return text
    }

    public func rmdir(_ path: String) throws {
        try record("rmdir", "rmdir(\(SyscallText.quote(path)))")
    }

    public func kill(_ pid: pid_t, _ signal: Int32) throws {
        try record("kill", "kill(\(pid), \(signal))")
    }

    /// Fails by the file's last path component: `fail("uid_map", with: EPERM)`.
    public func writeFile(_ path: String, _ text: String) throws {
        let shown = text.hasSuffix("\n") ? String(text.dropLast()) : text
        let name = path.split(separator: "/").last.map(String.init) ?? path
        try record(name, "write(\(SyscallText.quote(path)), \(SyscallText.quote(shown)))")
    }

    public func write(_ fd: Int32, _ text: String, what: String) throws {
        try record("write", "write(\(fd), \(what))")
        if let readEnd = pipes[fd] { buffers[readEnd, default: ""] += text }
        if let pending = pendingExec, pipes[fd] == pending.fd {
            calls += pending.lines
            pendingExec = nil
        }
        if text == "go" { onGo?() }
    }

    public func readAll(_ fd: Int32, what: String) throws -> String {
        try record("read", "read(\(fd), \(what))")
        return buffers.removeValue(forKey: fd) ?? ""
    }

    public func close(_ fd: Int32) {}

    public func wait(_ pid: pid_t) throws -> Int32 {
        try record("wait4", "wait4(\(pid))")
        return waitStatus
    }

    public func sethostname(_ name: String) throws {
        try record("sethostname", SyscallText.sethostname(name))
    }

    public func setdomainname(_ name: String) throws {
        try record("setdomainname", SyscallText.setdomainname(name))
    }

    public func mount(source: String?, target: String, fstype: String?, flags: UInt,
                      data: String?) throws {
        try record("mount", SyscallText.mount(source: source, target: target, fstype: fstype,
                                              flags: flags, data: data))
    }

    public func umount(_ target: String, flags: Int32) throws {
        try record("umount2", SyscallText.umount(target, flags: flags))
    }

    public func mountFlags(_ path: String) throws -> UInt {
        try record("statvfs", "statvfs(\(SyscallText.quote(path)))")
        return 0
    }

    public func chroot(_ path: String) throws {
        try record("chroot", SyscallText.chroot(path))
    }

    public func pivotRoot(_ newRoot: String, _ putOld: String) throws {
        try record("pivot_root", SyscallText.pivotRoot(newRoot, putOld))
    }

    public func mkdir(_ path: String, mode: mode_t) throws {
        try record("mkdir", SyscallText.mkdir(path, mode: mode))
    }

    public func createFile(_ path: String, mode: mode_t) throws {
        try record("open", SyscallText.createFile(path, mode: mode))
    }

    public func symlink(_ target: String, _ path: String) throws {
        try record("symlink", SyscallText.symlink(target, path))
    }

    public func openTreeClone(_ path: String) throws -> Int32 {
        let fd = nextFD
        try record("open_tree", SyscallText.openTreeClone(path) + " = \(fd)")
        nextFD += 1
        return fd
    }

    public func moveMount(_ fd: Int32, to target: String) throws {
        try record("move_mount", SyscallText.moveMount(fd, target))
    }

    public func chdir(_ path: String) throws {
        try record("chdir", SyscallText.chdir(path))
    }

    public func setgroups(_ groups: [gid_t]) throws {
        try record("setgroups", SyscallText.setgroups(groups))
    }

    public func setresgid(_ gid: gid_t) throws {
        try record("setresgid", SyscallText.setresgid(gid))
    }

    public func setresuid(_ uid: uid_t) throws {
        try record("setresuid", SyscallText.setresuid(uid))
    }

    public func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws {
        try record("prlimit64", SyscallText.prlimit(resource, soft: soft, hard: hard))
    }

    public func setNoNewPrivs() throws {
        try record("prctl", SyscallText.noNewPrivs)
    }

    public func dropBoundingCapability(_ capability: Int) throws {
        try record("prctl", SyscallText.capbsetDrop(capability))
    }

    public func clearAmbientCapabilities() throws {
        try record("prctl", SyscallText.ambientClearAll)
    }

    public func capget() throws -> CapabilitySets {
        try record("capget", "capget()")
        return capabilitySets
    }

    public func capset(_ sets: CapabilitySets) throws {
        try record("capset", SyscallText.capset(sets))
        capabilitySets = sets
    }

    public func interfaceUp(_ name: String) throws {
        try record("ioctl", SyscallText.interfaceUp(name))
    }

    public func setCloseOnExec(_ fd: Int32) throws {
        try record("fcntl", "fcntl(\(fd), F_SETFD, FD_CLOEXEC)")
    }

    public func closeRange(_ first: UInt32, _ last: UInt32) throws {
        let end = last == UInt32.max ? "~0U" : String(last)
        try record("close_range", "close_range(\(first), \(end), 0)")
    }

    public func execve(_ path: String, _ argv: [String], _ env: CommandEnvironment) throws {
        if let error = execveResult(path) {
            counts["execve", default: 0] += 1
            calls.append("\(side): \(SyscallText.execve(path, argv)) = -1 \(errnoName(error.rawValue))")
            throw error
        }
        try record("execve", SyscallText.execve(path, argv))
    }
}

/// "ENOENT" for the errnos the engine meets; the number otherwise.
func errnoName(_ errno: Int32) -> String {
    let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EACCES: "EACCES", EBUSY: "EBUSY",
        ENOTDIR: "ENOTDIR", EINVAL: "EINVAL", ENOEXEC: "ENOEXEC", ENOSYS: "ENOSYS",
        ENOMEM: "ENOMEM", ENOSPC: "ENOSPC", EEXIST: "EEXIST", ELOOP: "ELOOP",
    ]
    return names[errno] ?? String(errno)
}
