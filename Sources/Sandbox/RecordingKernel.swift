#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import CLinux

/// The test double (youki's `TestHelperSyscall`): records every call as a typed value,
/// in order, with the process that made it, and fails the calls it is told to. It models
/// what the kernel would do, so the real parent and child code run against it end to
/// end: pipes carry what is written on them; clone3 records what the C shim does in the
/// new process; a fork is followed into the command (the init's side is its reaping
/// loop); `explain` prints the records.
final class RecordingKernel: Kernel {
    /// The process a call was made in.
    enum Process: String { case parent, child, command }

    struct Record {
        var process: Process
        var call: Syscall
        /// What the process got back; nil for a failure.
        var result: SyscallResult?
        var error: Errno? = nil
        /// The plan step the call was made for (`stepStarts`); nil for none.
        var step: Int? = nil
        /// Whether `step` was set: a call recorded inside another (the child run at
        /// "go", inside the parent's write) keeps its own.
        var stepSet = false

        /// `child: chroot("./rootfs")`, `parent: clone3(...) = 4242`, `... = -1 ENOENT`.
        var line: String { process.rawValue + ": " + text }
        /// The line without its process.
        var text: String { call.description(returning: result, error: error) }
    }

    private(set) var records: [Record] = []
    /// The process the next calls are made in.
    var process = Process.parent
    /// The plan step the next calls are made for.
    private(set) var step: Int?
    /// The pid clone3 returns.
    var childPID: pid_t = 4242
    /// The wait status `wait4` returns (default: exited 0).
    var waitStatus: Int32 = 0
    /// Statuses the next wait4 calls return first, in order (a stop, then an exit);
    /// `nil` stands for WNOHANG's "nothing yet".
    var waitStatuses: [Int32?] = []
    /// Decides each execve's result (nil: it would succeed). Default: every path works.
    var execveResult: (String) -> Errno? = { _ in nil }
    /// What getuid, getgid, geteuid return: cfsh's own ids unless a test sets them.
    var user: (uid: uid_t, gid: gid_t, euid: uid_t) = (getuid(), getgid(), geteuid())
    /// Whether cfsh has a controlling terminal (then a run without the terminal handed
    /// over starts a new session). Default: yes, as at a shell prompt.
    var controllingTerminal = true
    /// What capget returns: root's, every capability the language knows.
    var capabilitySets = CapabilitySets(effective: (1 << 41) - 1, permitted: (1 << 41) - 1)
    /// What readFile returns, by path (missing: ENOENT). Default: a cgroup v1 host, as
    /// the machine this was built on.
    var files: [String: String] = ["/proc/self/cgroup": "8:pids:/\n4:memory:/\n1:cpu:/\n0::/\n"]
    /// What statx finds for a path (missing: ENOENT): a failed step's look (KernelErrors.swift).
    var mountPositions: [String: MountPosition] = [:]
    /// Symlinks readlink finds, path → target (missing: not a symlink).
    var links: [String: String] = [:]
    /// Called when the parent writes "go": explain runs the child here.
    var onGo: (() -> Void)?

    private var failures: [(name: String, matching: String?, occurrence: Int, error: Errno)] = []
    private var nextFD: Int32 = 3
    private var pipes: [Int32: Int32] = [:]  // write end → read end
    private var buffers: [Int32: String] = [:]  // read end → data
    /// The re-exec waiting for the maps (clone3 with maps): its read end and its execve.
    private var pendingExec: (fd: Int32, calls: [Syscall])?
    /// Whether the clone3 made a new PID namespace: the child is PID 1 there.
    private var newPIDNamespace = false

    init() {}

    /// Makes the `occurrence`th call (1-based) named `name` (as strace names it: "mount",
    /// "write", "clone3") fail with `errno`; with `matching`, counting only the calls
    /// whose description contains it (`fail("write", with: EPERM, matching: "uid_map")`).
    func fail(_ name: String, with errno: Int32, occurrence: Int = 1, matching: String? = nil) {
        failures.append((name, matching, occurrence, Errno(errno)))
    }

    /// Data the parent side would find on a read end (the child's failure record).
    func preload(_ fd: Int32, _ text: String) { buffers[fd, default: ""] += text }

    /// Every record as its line, `process: call`.
    var calls: [String] { records.map(\.line) }
    /// The calls' lines without their process.
    var syscalls: [String] { records.map(\.text) }

    func stepStarts(_ index: Int?) { step = index }

    func perform(_ call: Syscall) throws(Errno) -> SyscallResult {
        let first = records.count
        defer {
            for index in first..<records.count where !records[index].stepSet {
                records[index].step = step
                records[index].stepSet = true
            }
        }
        if let error = failure(for: call) {
            records.append(Record(process: process, call: call, result: nil, error: error))
            throw error
        }
        if case .listDirectory(let path) = call, files[path] == nil {
            records.append(Record(process: process, call: call, result: nil, error: Errno(ENOENT)))
            throw Errno(ENOENT)
        }
        if case .mountPosition(let path) = call, mountPositions[path] == nil {
            records.append(Record(process: process, call: call, result: nil, error: Errno(ENOENT)))
            throw Errno(ENOENT)
        }
        if case .readFile(let path) = call, files[path] == nil {
            records.append(Record(process: process, call: call, result: nil, error: Errno(ENOENT)))
            throw Errno(ENOENT)
        }
        let result = model(call)
        if case .execve(let path, _, _) = call, let error = execveResult(path) {
            records.append(Record(process: process, call: call, result: nil, error: error))
            throw error
        }
        if case .posixSpawn(let path, let argv, let environment) = call {
            // glibc's posix_spawn: clone(CLONE_VM|CLONE_VFORK), then execve in the command.
            let execve = Syscall.execve(path: path, argv: argv, environment: environment)
            if let error = execveResult(path) {
                records.append(Record(process: .command, call: execve, result: nil, error: error))
                throw error
            }
            records.append(Record(process: process, call: call, result: result, error: nil))
            records.append(Record(process: .command, call: execve, result: .done, error: nil))
            return result
        }
        if case .fork = call {
            // The init sees the command's pid; the code goes on as the command, so that
            // explain shows what leads to its execve.
            records.append(Record(process: process, call: call, result: result, error: nil))
            process = .command
            return .returned(0)
        }
        records.append(Record(process: process, call: call, result: result, error: nil))
        afterRecording(call)
        return result
    }

    private func failure(for call: Syscall) -> Errno? {
        guard !failures.isEmpty else { return nil }
        let name = call.name
        let description = call.description
        for failure in failures where failure.name == name {
            if let matching = failure.matching, !description.contains(matching) { continue }
            let seen = records.filter {
                $0.call.name == name && (failure.matching.map($0.call.description.contains) ?? true)
            }.count
            if seen + 1 == failure.occurrence { return failure.error }
        }
        return nil
    }

    /// What the kernel would give back.
    private func model(_ call: Syscall) -> SyscallResult {
        switch call {
        case .pipe2:
            let fds = (nextFD, nextFD + 1)
            nextFD += 2
            pipes[fds.1] = fds.0
            return .pipe(read: fds.0, write: fds.1)
        case .read(let fd):
            return .text(buffers.removeValue(forKey: fd) ?? "")
        case .readFile(let path), .listDirectory(let path):
            return .text(files[path] ?? "")
        case .readlink(let path):
            return .text(links[path] ?? "")
        case .openTreeClone:
            nextFD += 1
            return .returned(Int(nextFD - 1))
        case .clone3Exec(let flags, _, _, _, _, _, _):
            newPIDNamespace = flags & UInt64(CFS_CLONE_NEWPID) != 0
            return .returned(Int(childPID))
        case .fork, .posixSpawn:
            return .returned(newPIDNamespace ? 2 : Int(childPID) + 1)
        case .getpid:
            switch process {
            case .parent: return .returned(Int(Glibc.getpid()))
            case .child: return .returned(newPIDNamespace ? 1 : Int(childPID))
            case .command: return .returned(newPIDNamespace ? 2 : Int(childPID) + 1)
            }
        case .hasControllingTerminal: return .returned(controllingTerminal ? 1 : 0)
        case .getuid: return .returned(Int(user.uid))
        case .getgid: return .returned(Int(user.gid))
        case .geteuid: return .returned(Int(user.euid))
        case .wait4:
            if !waitStatuses.isEmpty {
                return waitStatuses.removeFirst().map { .status($0) } ?? .returned(0)
            }
            return .status(waitStatus)
        case .readSome(let fd, _):
            guard var data = buffers[fd], let first = data.first else { return .text("") }
            data.removeFirst()
            buffers[fd] = data.isEmpty ? nil : data
            return .text(String(first))
        case .takeTerminalBack(let handover):
            return .terminal(handover)
        case .reapUntilExit: return .status(waitStatus)
        case .statvfs: return .mountFlags(0)
        case .mountPosition(let path): return .mountPosition(mountPositions[path]!)
        case .capget: return .capabilities(capabilitySets)
        case .capset(let sets):
            capabilitySets = sets
            return .done
        case .ignoreSignal(let signal):
            return .signals(SavedSignalActions(actions: [.init(signal: signal, action: sigaction())]))
        case .forwardSignals:
            return .signals(SavedSignalActions(actions: forwardedSignals.map { SavedSignalActions.Saved(signal: $0, action: sigaction()) }))
        case .giveTerminal(let fd, _, _):
            return .terminal(TerminalHandover(fd: fd, saved: nil))
        default:
            return .done
        }
    }

    /// What follows a call in the other processes: the clone3 shim's own calls in the
    /// new process, data written on a pipe, the child run at "go".
    private func afterRecording(_ call: Syscall) {
        switch call {
        case .clone3Exec(_, let path, let argv, _, _, let session, let maps):
            switch session {
            case .processGroup: records.append(Record(process: .child, call: .setpgid(pid: 0, group: 0), result: .done))
            case .newSession: records.append(Record(process: .child, call: .setsid, result: .done))
            case .unchanged: break
            }
            // Then, last before execve, it arms its death signal and checks its parent.
            let exec: [Syscall] = [.setParentDeathSignal(SIGKILL), .getppid,
                                   .execve(path: path, argv: argv, environment: CommandEnvironment([]))]
            if let maps {
                // The re-exec waits until the parent has written the maps.
                records.append(Record(process: .child, call: .read(fd: maps.read), result: .done))
                // Then it becomes the namespace's root where mapped, and execs.
                var calls: [Syscall] = []
                if maps.becomeRootGID { calls.append(.setresgid(0)) }
                if maps.becomeRootUID { calls.append(.setresuid(0)) }
                pendingExec = (maps.read, calls + exec)
            } else {
                for call in exec { records.append(Record(process: .child, call: call, result: .done)) }
            }
        case .write(let fd, let text):
            if let readEnd = pipes[fd] { buffers[readEnd, default: ""] += text }
            if let pending = pendingExec, pipes[fd] == pending.fd {
                for call in pending.calls { records.append(Record(process: .child, call: call, result: .done)) }
                pendingExec = nil
            }
            if text == "go" { onGo?() }
        default:
            break
        }
    }
}
