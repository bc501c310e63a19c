#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// The real thing: each call made, one branch each.
final class LinuxKernel: Kernel {
    init() {}

    func perform(_ call: Syscall) throws(Errno) -> SyscallResult {
        switch call {
        case .pipe2:
            // Two Int32s in a row for pipe2(2)'s int[2]; a tuple, not an [Int32] (issue 13).
            var fds: (Int32, Int32) = (-1, -1)
            try negated(withUnsafeMutableBytes(of: &fds) { cfs_pipe_cloexec($0.baseAddress!.assumingMemoryBound(to: Int32.self)) })
            return .pipe(read: fds.0, write: fds.1)
        case .read(let fd):
            return .text(try readToEnd(fd))
        case .readSome(let fd, let wait):
            return .text(try readSome(fd, wait: wait))
        case .write(let fd, let text):
            try writeAll(fd, text)
        case .close(let fd):
            _ = Glibc.close(fd)
        case .readFile(let path):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            try check(fd)
            defer { _ = Glibc.close(fd) }
            return .text(try readToEnd(fd))
        case .writeFile(let path, let text):
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            try check(fd)
            defer { _ = Glibc.close(fd) }
            let n = text.withCString { Glibc.write(fd, $0, strlen($0)) }
            if n < 0 { throw Errno.current }
            if n != text.utf8.count { throw Errno(EIO) }
        case .mkdir(let path, let mode):
            try check(Glibc.mkdir(path, mode))
        case .rmdir(let path):
            try check(Glibc.rmdir(path))
        case .createFile(let path, let mode):
            let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
            try check(fd)
            _ = Glibc.close(fd)
        case .symlink(let target, let path):
            try check(Glibc.symlink(target, path))
        case .setCloseOnExec(let fd):
            try check(fcntl(fd, F_SETFD, FD_CLOEXEC))
        case .closeRange(let first, let last):
            try negated(cfs_close_range(first, last))

        case .clone3Exec(let flags, let path, let argv, let inherit, let errorFD,
                         let session, let maps):
            // Everything the new process needs is built before cloning: it only runs C.
            let cArgv = CStrings(argv)
            // The child is cfsh again, with cfsh's environment as it is: environ(7)
            // itself, not a copy (the vfork-style clone borrows this process until the
            // execve, so environ stays as it is meanwhile).
            defer { cArgv.free() }
            let pid: pid_t
            if let maps {
                var mapsFDs: (Int32, Int32) = (maps.read, maps.write)
                let becomeRoot = (maps.becomeRootGID ? CFS_BECOME_ROOT_GID : 0)
                    | (maps.becomeRootUID ? CFS_BECOME_ROOT_UID : 0)
                pid = withUnsafeBytes(of: &mapsFDs) { maps in
                    inherit.withContiguousStorageIfAvailable { inherit in
                        cfs_clone3_exec(flags, path, cArgv.pointers, environ, inherit.baseAddress,
                                        Int32(inherit.count), errorFD, session.rawValue,
                                        maps.baseAddress!.assumingMemoryBound(to: Int32.self), Int32(becomeRoot))
                    }!
                }
            } else {
                pid = inherit.withContiguousStorageIfAvailable { inherit in
                    cfs_clone3_exec(flags, path, cArgv.pointers, environ, inherit.baseAddress,
                                    Int32(inherit.count), errorFD, session.rawValue, nil, 0)
                }!
            }
            try negated(pid)
            return .returned(Int(pid))
        case .setpgid(let pid, let group):
            try check(Glibc.setpgid(pid, group))
        case .checkBeneath(let directory, let path):
            try negated(cfs_check_beneath(directory, path))
        case .readlink(let path):
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = Glibc.readlink(path, &buffer, 4096)
            if n < 0 && errno == EINVAL { return .text("") }
            if n < 0 { throw Errno.current }
            buffer[n] = 0
            return .text(String(cString: buffer))
        case .unignoreChildSignal:
            var current = sigaction()
            sigaction(SIGCHLD, nil, &current)
            // (C function pointers are not Equatable in Swift: compared as addresses.)
            if unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
                == unsafeBitCast(SIG_IGN, to: Int.self) {
                Glibc.signal(SIGCHLD, SIG_DFL)
            }
        case .setsid:
            try check(Glibc.setsid())
        case .hasControllingTerminal:
            let fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC)
            if fd < 0 { return .returned(0) }
            Glibc.close(fd)
            return .returned(1)
        case .setParentDeathSignal(let signal):
            try negated(cfs_prctl(CFS_PR_SET_PDEATHSIG, UInt(signal), 0))
        case .getppid:
            return .returned(Int(Glibc.getppid()))
        case .listDirectory(let path):
            guard let directory = opendir(path) else { throw Errno.current }
            defer { closedir(directory) }
            var names = ""
            while let entry = readdir(directory) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names += name + "\n" }
            }
            return .text(names)
        case .fork:
            let pid = Glibc.fork()
            try check(pid)
            return .returned(Int(pid))
        case .posixSpawn(let path, let argv, let environment):
            return .returned(Int(try spawnCommand(path, argv, environment)))
        case .execve(let path, let argv, let environment):
            let cArgv = CStrings(argv)
            // An environment no step changed is this process's own: no copy.
            let cEnv = environment.isInherited ? nil : CStrings(environment.entries)
            _ = Glibc.execve(path, cArgv.pointers, cEnv?.pointers ?? environ)
            let error = Errno.current
            cArgv.free()
            cEnv?.free()
            throw error
        case .wait4(let pid, let options):
            var status: Int32 = 0
            while true {
                let waited = waitpid(pid, &status, options)
                if waited == 0 { return .returned(0) }
                if waited > 0 { return .status(status) }
                if errno != EINTR { throw Errno.current }
            }
        case .reapUntilExit(let command, let stopFD):
            return .status(reapUntilCommandExits(command, stopFD: stopFD))
        case .exit(let status):
            _exit(status)
        case .kill(let pid, let signal):
            try check(Glibc.kill(pid, signal))
        case .getpid:
            return .returned(Int(Glibc.getpid()))
        case .getuid:
            return .returned(Int(Glibc.getuid()))
        case .getgid:
            return .returned(Int(Glibc.getgid()))
        case .geteuid:
            return .returned(Int(Glibc.geteuid()))
        case .sleep(let microseconds):
            _ = usleep(microseconds)

        case .ignoreSignal(let signal):
            return .signals(ignoreSignalSaving(signal))
        case .forwardSignals(let pid):
            return .signals(installSignalForwarding(to: pid))
        case .restoreSignals(let saved):
            restoreSignalActions(saved)
        case .blockAllSignals:
            var all = sigset_t()
            sigfillset(&all)
            sigprocmask(SIG_SETMASK, &all, nil)
        case .resetSignalsForCommand:
            resetSignalsForCommand()
        case .giveTerminal(let fd, let pid, let modes):
            return .terminal(parentGiveTerminal(fd, to: pid, modes: modes))
        case .takeTerminalBack(let handover):
            return .terminal(parentTakeTerminalBack(handover))

        case .sethostname(let name):
            try check(Glibc.sethostname(name, name.utf8.count))
        case .setdomainname(let name):
            try check(Glibc.setdomainname(name, name.utf8.count))
        case .mount(let source, let target, let fstype, let flags, let data):
            try check(Glibc.mount(source, target, fstype, flags, data))
        case .umount2(let target, let flags):
            try check(Glibc.umount2(target, flags))
        case .statvfs(let path):
            var s = statvfs()
            try check(statvfs(path, &s))
            return .mountFlags(s.f_flag)
        case .chroot(let path):
            try check(Glibc.chroot(path))
        case .chdir(let path):
            try check(Glibc.chdir(path))
        case .openTreeClone(let path):
            let fd = cfs_open_tree_clone(path)
            try negated(fd)
            return .returned(Int(fd))
        case .moveMount(let fd, let target):
            try negated(cfs_move_mount(fd, target))
        case .pivotRoot(let newRoot, let putOld):
            try negated(cfs_pivot_root(newRoot, putOld))
        case .setgroups(let groups):
            try check(Glibc.setgroups(groups.count, groups))
        case .setresgid(let gid):
            try negated(cfs_setresgid(gid))
        case .setresuid(let uid):
            try negated(cfs_setresuid(uid))
        case .prlimit(let resource, let soft, let hard):
            try negated(cfs_setrlimit(resource, soft, hard))
        case .setNoNewPrivs:
            try negated(cfs_prctl(CFS_PR_SET_NO_NEW_PRIVS, 1, 0))
        case .dropBoundingCapability(let capability):
            try negated(cfs_prctl(CFS_PR_CAPBSET_DROP, UInt(capability), 0))
        case .clearAmbientCapabilities:
            try negated(cfs_prctl(CFS_PR_CAP_AMBIENT, UInt(CFS_PR_CAP_AMBIENT_CLEAR_ALL), 0))
        case .capget:
            var sets = CapabilitySets()
            try negated(cfs_capget(&sets.effective, &sets.permitted, &sets.inheritable))
            return .capabilities(sets)
        case .capset(let sets):
            try negated(cfs_capset(sets.effective, sets.permitted, sets.inheritable))
        case .interfaceUp(let name):
            try negated(cfs_interface_up(name))
        case .fileIdentity(let path):
            var info = stat()
            try check(stat(path, &info))
            return .text(String(info.st_dev) + ":" + String(info.st_ino))
        case .mountPosition(let path):
            var id: UInt64 = 0
            let root = cfs_mount_position(path, &id)
            try negated(root)
            return .mountPosition(MountPosition(mountID: id, isMountRoot: root == 1))
        case .namespaceOwner(let path):
            var dev: UInt64 = 0, ino: UInt64 = 0
            try negated(cfs_namespace_owner(path, &dev, &ino))
            return .text(String(dev) + ":" + String(ino))
        case .utsNames(let pid):
            var buffer = [CChar](repeating: 0, count: 256)
            let n = cfs_uts_names(pid, &buffer, Int32(buffer.count))
            try negated(n)
            return .text(String(cString: buffer))
        }
        return .done
    }

    @inline(__always)
    private func check(_ result: Int32) throws(Errno) {
        if result == -1 { throw Errno.current }
    }

    /// For the C shims, which return -errno.
    @inline(__always)
    private func negated(_ result: Int32) throws(Errno) {
        if result < 0 { throw Errno(-result) }
    }

    private func writeAll(_ fd: Int32, _ text: String) throws(Errno) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            done += n
        }
    }

    private func readSome(_ fd: Int32, wait: Bool) throws(Errno) -> String {
        if !wait {
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&request, 1, 0) <= 0 { throw Errno(EAGAIN) }
        }
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fd, &byte, 1)
            if n == 1 { return String(decoding: [byte], as: UTF8.self) }
            if n == 0 { return "" }
            if errno != EINTR { throw Errno.current }
        }
    }

    private func readToEnd(_ fd: Int32) throws(Errno) -> String {
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
