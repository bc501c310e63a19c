#if canImport(Glibc)
import Glibc
#endif

// Typed one-line wrappers, so call sites read as the syscalls they make. Each builds its
// `Syscall` value and unpacks the result; nothing else belongs here.

extension Kernel {
    func pipe() throws(Errno) -> (read: Int32, write: Int32) {
        guard case .pipe(let read, let write) = try perform(.pipe2) else { throw Errno(EIO) }
        return (read, write)
    }
    func readAll(_ fd: Int32) throws(Errno) -> String { try perform(.read(fd: fd)).text }
    func write(_ fd: Int32, _ text: String) throws(Errno) { _ = try perform(.write(fd: fd, text: text)) }
    func close(_ fd: Int32) { _ = try? perform(.close(fd: fd)) }
    func readFile(_ path: String) throws(Errno) -> String { try perform(.readFile(path: path)).text }
    func writeFile(_ path: String, _ text: String) throws(Errno) {
        _ = try perform(.writeFile(path: path, text: text))
    }
    func mkdir(_ path: String, mode: mode_t) throws(Errno) { _ = try perform(.mkdir(path: path, mode: mode)) }
    func rmdir(_ path: String) throws(Errno) { _ = try perform(.rmdir(path: path)) }
    func createFile(_ path: String, mode: mode_t) throws(Errno) {
        _ = try perform(.createFile(path: path, mode: mode))
    }
    func symlink(_ target: String, _ path: String) throws(Errno) {
        _ = try perform(.symlink(target: target, path: path))
    }
    func setCloseOnExec(_ fd: Int32) throws(Errno) { _ = try perform(.setCloseOnExec(fd: fd)) }
    func closeRange(_ first: UInt32, _ last: UInt32) throws(Errno) {
        _ = try perform(.closeRange(first: first, last: last))
    }

    func fork() throws(Errno) -> pid_t { pid_t(try perform(.fork).number) }
    func execve(_ path: String, _ argv: [String], _ environment: CommandEnvironment) throws(Errno) {
        _ = try perform(.execve(path: path, argv: argv, environment: environment))
    }
    func wait(_ pid: pid_t) throws(Errno) -> Int32 { try perform(.wait4(pid: pid, options: 0)).status }
    func kill(_ pid: pid_t, _ signal: Int32) throws(Errno) { _ = try perform(.kill(pid: pid, signal: signal)) }
    func getpid() -> pid_t { pid_t((try? perform(.getpid))?.number ?? 0) }
    func getppid() -> pid_t { pid_t((try? perform(.getppid))?.number ?? 0) }
    /// getuid(2), getgid(2), geteuid(2) of cfsh: the invoking user.
    func invokingUser() -> (uid: uid_t, gid: gid_t, euid: uid_t) {
        (uid_t((try? perform(.getuid))?.number ?? 0), gid_t((try? perform(.getgid))?.number ?? 0),
         uid_t((try? perform(.geteuid))?.number ?? 0))
    }
    func sleep(microseconds: UInt32) { _ = try? perform(.sleep(microseconds: microseconds)) }
    /// Only for calls that cannot fail (signals, the terminal, _exit).
    func perform(always call: Syscall) -> SyscallResult { (try? perform(call)) ?? .done }

    func sethostname(_ name: String) throws(Errno) { _ = try perform(.sethostname(name)) }
    func setdomainname(_ name: String) throws(Errno) { _ = try perform(.setdomainname(name)) }
    func mount(source: String?, target: String, fstype: String?, flags: UInt,
               data: String?) throws(Errno) {
        _ = try perform(.mount(source: source, target: target, fstype: fstype, flags: flags, data: data))
    }
    func umount(_ target: String, flags: Int32) throws(Errno) {
        _ = try perform(.umount2(target: target, flags: flags))
    }
    func mountFlags(_ path: String) throws(Errno) -> UInt {
        guard case .mountFlags(let flags) = try perform(.statvfs(path: path)) else { return 0 }
        return flags
    }
    func chroot(_ path: String) throws(Errno) { _ = try perform(.chroot(path)) }
    func chdir(_ path: String) throws(Errno) { _ = try perform(.chdir(path)) }
    func openTreeClone(_ path: String) throws(Errno) -> Int32 {
        Int32(try perform(.openTreeClone(path: path)).number)
    }
    func moveMount(_ fd: Int32, to target: String) throws(Errno) {
        _ = try perform(.moveMount(fd: fd, target: target))
    }
    func pivotRoot(_ newRoot: String, _ putOld: String) throws(Errno) {
        _ = try perform(.pivotRoot(newRoot: newRoot, putOld: putOld))
    }
    func setgroups(_ groups: [gid_t]) throws(Errno) { _ = try perform(.setgroups(groups)) }
    func setresgid(_ gid: gid_t) throws(Errno) { _ = try perform(.setresgid(gid)) }
    func setresuid(_ uid: uid_t) throws(Errno) { _ = try perform(.setresuid(uid)) }
    func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws(Errno) {
        _ = try perform(.prlimit(resource: resource, soft: soft, hard: hard))
    }
    func setNoNewPrivs() throws(Errno) { _ = try perform(.setNoNewPrivs) }
    func dropBoundingCapability(_ capability: Int) throws(Errno) {
        _ = try perform(.dropBoundingCapability(capability))
    }
    func clearAmbientCapabilities() throws(Errno) { _ = try perform(.clearAmbientCapabilities) }
    func capget() throws(Errno) -> CapabilitySets {
        guard case .capabilities(let sets) = try perform(.capget) else { return CapabilitySets() }
        return sets
    }
    func capset(_ sets: CapabilitySets) throws(Errno) { _ = try perform(.capset(sets)) }
    func interfaceUp(_ name: String) throws(Errno) { _ = try perform(.interfaceUp(name)) }
    func mountPosition(_ path: String) throws(Errno) -> MountPosition {
        guard case .mountPosition(let position) = try perform(.mountPosition(path: path)) else { throw Errno(EIO) }
        return position
    }

    /// Runs the calls of one step, turning an errno into the step's failure. The subject
    /// is only formatted when a call failed.
    func attempt<T>(_ step: String, _ subject: @autoclosure () -> String,
                    _ body: () throws(Errno) -> T) throws(SandboxFailure) -> T {
        do { return try body() } catch {
            throw SandboxFailure.setup(step, subject(), error, index: nil)
        }
    }

    /// The same, and when a call failed, `why` looks for the cause that holds
    /// (KernelErrors.swift): only then, so a successful step pays nothing for it.
    func attempt<T>(_ step: String, _ subject: @autoclosure () -> String, why: (Errno) -> String?,
                    _ body: () throws(Errno) -> T) throws(SandboxFailure) -> T {
        do { return try body() } catch {
            var failure = SandboxFailure.setup(step, subject(), error, index: nil)
            failure.cause = why(error)
            throw failure
        }
    }
}

extension SyscallResult {
    var number: Int {
        if case .returned(let n) = self { return n }
        return 0
    }
    var text: String {
        if case .text(let text) = self { return text }
        return ""
    }
    var status: Int32 {
        if case .status(let status) = self { return status }
        return 0
    }
}
