#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// An errno, as a value (swift-system's `Errno`, without the dependency).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The calling thread's errno.
    static var current: Errno { Errno(errno) }
    /// strerror(3): "No such file or directory".
    public var description: String { String(cString: strerror(rawValue)) }
}

/// Every syscall the sandbox makes, parent and child, behind one protocol (youki's
/// `Syscall` trait): `LinuxSyscalls` makes them; `RecordingSyscalls` records them, so
/// the apply loop, its order and its failure paths are unit-tested without root, and
/// `explain` prints what a run would do by running the same code against the recorder.
///
/// Each method wraps one syscall, throws its errno, and retries EINTR where that is safe.
public protocol Syscalls: AnyObject {
    // Parent side.
    func pipe() throws -> (read: Int32, write: Int32)
    /// clone3(flags | SIGCHLD) straight into execve(path, argv): see `cfs_clone3_exec`.
    /// With `maps`, the new process waits for one byte on that pipe before execve.
    func cloneAndExec(flags: UInt64, path: String, argv: [String], inherit: [Int32],
                      errorFD: Int32, newProcessGroup: Bool,
                      maps: (read: Int32, write: Int32)?) throws -> pid_t
    /// getuid(2), getgid(2), geteuid(2) of cfsh: the invoking user.
    func invokingUser() -> (uid: uid_t, gid: gid_t, euid: uid_t)
    /// The whole of a (small) file: /proc/self/cgroup, cgroup.procs.
    func readFile(_ path: String) throws -> String
    func rmdir(_ path: String) throws
    func kill(_ pid: pid_t, _ signal: Int32) throws
    /// open(O_WRONLY), one write(2) of all of `text`, close: /proc/PID/uid_map must be
    /// written in a single write (user_namespaces(7)).
    func writeFile(_ path: String, _ text: String) throws
    func write(_ fd: Int32, _ text: String, what: String) throws
    /// Reads to EOF.
    func readAll(_ fd: Int32, what: String) throws -> String
    func close(_ fd: Int32)
    /// wait4(pid): the raw wait status.
    func wait(_ pid: pid_t) throws -> Int32

    // Child side: the steps.
    func sethostname(_ name: String) throws
    func setdomainname(_ name: String) throws
    func mount(source: String?, target: String, fstype: String?, flags: UInt, data: String?) throws
    func umount(_ target: String, flags: Int32) throws
    /// statvfs(3)'s f_flag of the mount at `path` (ST_RDONLY, ST_NOSUID, ...).
    func mountFlags(_ path: String) throws -> UInt
    func chroot(_ path: String) throws
    func mkdir(_ path: String, mode: mode_t) throws
    /// open(path, O_WRONLY|O_CREAT|O_CLOEXEC, mode), close: an empty file to bind onto.
    func createFile(_ path: String, mode: mode_t) throws
    func symlink(_ target: String, _ path: String) throws
    /// A detached bind mount of `path`, as an fd: see `cfs_open_tree_clone`.
    func openTreeClone(_ path: String) throws -> Int32
    /// Attaches a detached mount at `target`: see `cfs_move_mount`.
    func moveMount(_ fd: Int32, to target: String) throws
    func pivotRoot(_ newRoot: String, _ putOld: String) throws
    func chdir(_ path: String) throws
    func setgroups(_ groups: [gid_t]) throws
    func setresgid(_ gid: gid_t) throws
    func setresuid(_ uid: uid_t) throws
    /// prlimit(0, resource, {soft, hard}): setrlimit(2) with 64-bit values.
    func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws
    /// prctl(PR_SET_NO_NEW_PRIVS, 1).
    func setNoNewPrivs() throws
    /// prctl(PR_CAPBSET_DROP, capability).
    func dropBoundingCapability(_ capability: Int) throws
    /// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL).
    func clearAmbientCapabilities() throws
    func capget() throws -> CapabilitySets
    func capset(_ sets: CapabilitySets) throws
    /// IFF_UP on an interface: see `cfs_interface_up`.
    func interfaceUp(_ name: String) throws
    func setCloseOnExec(_ fd: Int32) throws
    /// close_range(first, last).
    func closeRange(_ first: UInt32, _ last: UInt32) throws
    /// Only returns by throwing; the recorder returns normally ("the command would run").
    func execve(_ path: String, _ argv: [String], _ env: CommandEnvironment) throws
}

/// A process's capability sets (capabilities(7)), bit n for capability n.
public struct CapabilitySets: Equatable, Sendable {
    public var effective: UInt64 = 0
    public var permitted: UInt64 = 0
    public var inheritable: UInt64 = 0
    public init(effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0) {
        self.effective = effective
        self.permitted = permitted
        self.inheritable = inheritable
    }
}

/// The real thing.
public final class LinuxSyscalls: Syscalls {
    public init() {}

    @inline(__always)
    private func check(_ result: Int32) throws {
        if result == -1 { throw Errno.current }
    }

    /// For the C shims, which return -errno.
    @inline(__always)
    private func checkNegated(_ result: Int32) throws {
        if result < 0 { throw Errno(-result) }
    }

    public func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        try checkNegated(cfs_pipe_cloexec(&fds))
        return (fds[0], fds[1])
    }

    public func cloneAndExec(flags: UInt64, path: String, argv: [String], inherit: [Int32],
                             errorFD: Int32, newProcessGroup: Bool,
                      maps: (read: Int32, write: Int32)?) throws -> pid_t {
        // Everything the child needs is built before cloning: it only runs C.
        let cArgv = CStrings(argv)
        let cEnv = CStrings(environmentStrings())
        defer { cArgv.free(); cEnv.free() }
        let mapsFDs: [Int32]? = maps.map { [$0.read, $0.write] }
        let pid = cfs_clone3_exec(flags, path, cArgv.pointers, cEnv.pointers, inherit,
                                  Int32(inherit.count), errorFD, newProcessGroup ? 1 : 0,
                                  mapsFDs)
        try checkNegated(pid)
        return pid
    }

    public func invokingUser() -> (uid: uid_t, gid: gid_t, euid: uid_t) {
        (getuid(), getgid(), geteuid())
    }

    public func readFile(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        try check(fd)
        defer { _ = Glibc.close(fd) }
        return try readAll(fd, what: path)
    }

    public func rmdir(_ path: String) throws { try check(Glibc.rmdir(path)) }
    public func kill(_ pid: pid_t, _ signal: Int32) throws { try check(Glibc.kill(pid, signal)) }

    public func writeFile(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        try check(fd)
        defer { _ = Glibc.close(fd) }
        let n = text.withCString { Glibc.write(fd, $0, strlen($0)) }
        if n < 0 { throw Errno.current }
        if n != text.utf8.count { throw Errno(EIO) }
    }

    public func write(_ fd: Int32, _ text: String, what: String) throws {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buf in
                Glibc.write(fd, buf.baseAddress! + done, buf.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            done += n
        }
        bytes.removeAll()
    }

    public func readAll(_ fd: Int32, what: String) throws -> String {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: result, as: UTF8.self)
    }

    public func close(_ fd: Int32) { _ = Glibc.close(fd) }

    public func wait(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno != EINTR { throw Errno.current }
        }
        return status
    }

    public func sethostname(_ name: String) throws {
        try check(Glibc.sethostname(name, name.utf8.count))
    }

    public func setdomainname(_ name: String) throws {
        try check(Glibc.setdomainname(name, name.utf8.count))
    }

    public func mount(source: String?, target: String, fstype: String?, flags: UInt,
                      data: String?) throws {
        try check(Glibc.mount(source, target, fstype, flags, data))
    }

    public func umount(_ target: String, flags: Int32) throws {
        try check(umount2(target, flags))
    }

    public func mountFlags(_ path: String) throws -> UInt {
        var s = statvfs()
        try check(statvfs(path, &s))
        return s.f_flag
    }

    public func chroot(_ path: String) throws { try check(Glibc.chroot(path)) }
    public func mkdir(_ path: String, mode: mode_t) throws { try check(Glibc.mkdir(path, mode)) }
    public func createFile(_ path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        try check(fd)
        _ = Glibc.close(fd)
    }
    public func symlink(_ target: String, _ path: String) throws {
        try check(Glibc.symlink(target, path))
    }
    public func openTreeClone(_ path: String) throws -> Int32 {
        let fd = cfs_open_tree_clone(path)
        try checkNegated(fd)
        return fd
    }
    public func moveMount(_ fd: Int32, to target: String) throws {
        try checkNegated(cfs_move_mount(fd, target))
    }
    public func pivotRoot(_ newRoot: String, _ putOld: String) throws {
        try checkNegated(cfs_pivot_root(newRoot, putOld))
    }
    public func chdir(_ path: String) throws { try check(Glibc.chdir(path)) }

    public func setgroups(_ groups: [gid_t]) throws {
        try check(Glibc.setgroups(groups.count, groups))
    }

    public func setresgid(_ gid: gid_t) throws { try checkNegated(cfs_setresgid(gid)) }
    public func setresuid(_ uid: uid_t) throws { try checkNegated(cfs_setresuid(uid)) }

    public func setrlimit(_ resource: Int32, soft: UInt64, hard: UInt64) throws {
        try checkNegated(cfs_setrlimit(resource, soft, hard))
    }

    public func setNoNewPrivs() throws {
        try checkNegated(cfs_prctl(CFS_PR_SET_NO_NEW_PRIVS, 1, 0))
    }

    public func dropBoundingCapability(_ capability: Int) throws {
        try checkNegated(cfs_prctl(CFS_PR_CAPBSET_DROP, UInt(capability), 0))
    }

    public func clearAmbientCapabilities() throws {
        try checkNegated(cfs_prctl(CFS_PR_CAP_AMBIENT, UInt(CFS_PR_CAP_AMBIENT_CLEAR_ALL), 0))
    }

    public func capget() throws -> CapabilitySets {
        var sets = CapabilitySets()
        try checkNegated(cfs_capget(&sets.effective, &sets.permitted, &sets.inheritable))
        return sets
    }

    public func capset(_ sets: CapabilitySets) throws {
        try checkNegated(cfs_capset(sets.effective, sets.permitted, sets.inheritable))
    }

    public func interfaceUp(_ name: String) throws {
        try checkNegated(cfs_interface_up(name))
    }

    public func setCloseOnExec(_ fd: Int32) throws {
        try check(fcntl(fd, F_SETFD, FD_CLOEXEC))
    }

    public func closeRange(_ first: UInt32, _ last: UInt32) throws {
        try checkNegated(cfs_close_range(first, last))
    }

    public func execve(_ path: String, _ argv: [String], _ env: CommandEnvironment) throws {
        let cArgv = CStrings(argv)
        // An environment no step changed is this process's own: no copy.
        let cEnv = env.isInherited ? nil : CStrings(env.entries)
        _ = Glibc.execve(path, cArgv.pointers, cEnv?.pointers ?? environ)
        let error = Errno.current
        cArgv.free()
        cEnv?.free()
        throw error
    }
}

/// A NULL-terminated `char *[]` that lives until `free()`.
struct CStrings {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int
    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: count + 1)
        for (i, s) in strings.enumerated() { pointers[i] = strdup(s) }
        pointers[count] = nil
    }
    func free() {
        for i in 0..<count { Glibc.free(pointers[i]) }
        pointers.deallocate()
    }
}

/// This process's environment, as `NAME=VALUE` strings (environ(7)); no Foundation.
func environmentStrings() -> [String] {
    var result: [String] = []
    var p = environ
    while let entry = p.pointee {
        result.append(String(cString: entry))
        p += 1
    }
    return result
}
