#if canImport(Glibc)
import Glibc
#endif

// `set trace on`: the seed's `Running [...] as PID` lines, and one line per syscall of
// each applied step, strace-style, on stderr (as `sh -x` traces), unbuffered.

func traceLine(_ text: String) {
    let line = text + "\n"
    _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
}

/// The seed prints Go's `%v` of the arguments: `[echo Hello, world]`.
func seedArguments(_ argv: [String]) -> String {
    "[" + argv.joined(separator: " ") + "]"
}

/// LinuxSyscalls that prints each step's syscall before making it.
final class TracingSyscalls: Syscalls {
    private let base: Syscalls
    init(_ base: Syscalls) { self.base = base }

    private func show(_ line: String) { traceLine("+ " + line) }

    func pipe() throws -> (read: Int32, write: Int32) { try base.pipe() }
    func cloneAndExec(flags: UInt64, path: String, argv: [String], inherit: [Int32],
                      errorFD: Int32, newProcessGroup: Bool,
                      maps: (read: Int32, write: Int32)?) throws -> pid_t {
        try base.cloneAndExec(flags: flags, path: path, argv: argv, inherit: inherit,
                              errorFD: errorFD, newProcessGroup: newProcessGroup, maps: maps)
    }
    func invokingUser() -> (uid: uid_t, gid: gid_t, euid: uid_t) { base.invokingUser() }
    func writeFile(_ path: String, _ text: String) throws { try base.writeFile(path, text) }
    func readFile(_ path: String) throws -> String { try base.readFile(path) }
    func rmdir(_ path: String) throws { try base.rmdir(path) }
    func kill(_ pid: pid_t, _ signal: Int32) throws { try base.kill(pid, signal) }
    func write(_ fd: Int32, _ text: String, what: String) throws { try base.write(fd, text, what: what) }
    func readAll(_ fd: Int32, what: String) throws -> String { try base.readAll(fd, what: what) }
    func close(_ fd: Int32) { base.close(fd) }
    func wait(_ pid: pid_t) throws -> Int32 { try base.wait(pid) }

    func sethostname(_ name: String) throws {
        show(SyscallText.sethostname(name))
        try base.sethostname(name)
    }
    func setdomainname(_ name: String) throws {
        show(SyscallText.setdomainname(name))
        try base.setdomainname(name)
    }
    func mount(source: String?, target: String, fstype: String?, flags: UInt, data: String?) throws {
        show(SyscallText.mount(source: source, target: target, fstype: fstype, flags: flags, data: data))
        try base.mount(source: source, target: target, fstype: fstype, flags: flags, data: data)
    }
    func umount(_ target: String, flags: Int32) throws {
        show(SyscallText.umount(target, flags: flags))
        try base.umount(target, flags: flags)
    }
    func mountFlags(_ path: String) throws -> UInt { try base.mountFlags(path) }
    func chroot(_ path: String) throws {
        show(SyscallText.chroot(path))
        try base.chroot(path)
    }
    func pivotRoot(_ newRoot: String, _ putOld: String) throws {
        show(SyscallText.pivotRoot(newRoot, putOld))
        try base.pivotRoot(newRoot, putOld)
    }
    func mkdir(_ path: String, mode: mode_t) throws {
        show(SyscallText.mkdir(path, mode: mode))
        try base.mkdir(path, mode: mode)
    }
    func createFile(_ path: String, mode: mode_t) throws {
        show(SyscallText.createFile(path, mode: mode))
        try base.createFile(path, mode: mode)
    }
    func symlink(_ target: String, _ path: String) throws {
        show(SyscallText.symlink(target, path))
        try base.symlink(target, path)
    }
    func openTreeClone(_ path: String) throws -> Int32 {
        show(SyscallText.openTreeClone(path))
        return try base.openTreeClone(path)
    }
    func moveMount(_ fd: Int32, to target: String) throws {
        show(SyscallText.moveMount(fd, target))
        try base.moveMount(fd, to: target)
    }
    func chdir(_ path: String) throws {
        show(SyscallText.chdir(path))
        try base.chdir(path)
    }
    func setgroups(_ groups: [gid_t]) throws {
        show(SyscallText.setgroups(groups))
        try base.setgroups(groups)
    }
    func setresgid(_ gid: gid_t) throws {
        show(SyscallText.setresgid(gid))
        try base.setresgid(gid)
    }
    func setresuid(_ uid: uid_t) throws {
        show(SyscallText.setresuid(uid))
        try base.setresuid(uid)
    }
    func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws {
        show(SyscallText.prlimit(resource, soft: soft, hard: hard))
        try base.setrlimit(resource, soft: soft, hard: hard)
    }
    func setNoNewPrivs() throws {
        show(SyscallText.noNewPrivs)
        try base.setNoNewPrivs()
    }
    func dropBoundingCapability(_ capability: Int) throws {
        show(SyscallText.capbsetDrop(capability))
        try base.dropBoundingCapability(capability)
    }
    func clearAmbientCapabilities() throws {
        show(SyscallText.ambientClearAll)
        try base.clearAmbientCapabilities()
    }
    func capget() throws -> CapabilitySets { try base.capget() }
    func capset(_ sets: CapabilitySets) throws {
        show(SyscallText.capset(sets))
        try base.capset(sets)
    }
    func interfaceUp(_ name: String) throws {
        show(SyscallText.interfaceUp(name))
        try base.interfaceUp(name)
    }
    func setCloseOnExec(_ fd: Int32) throws { try base.setCloseOnExec(fd) }
    func closeRange(_ first: UInt32, _ last: UInt32) throws { try base.closeRange(first, last) }
    func execve(_ path: String, _ argv: [String], _ env: CommandEnvironment) throws {
        try base.execve(path, argv, env)
    }
}
