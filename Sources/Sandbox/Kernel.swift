#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The engine's one seam to the kernel (youki's `Syscall` trait, as data): every call the
// parent, the child and the init make is a `Syscall` value, and a `Kernel` performs it.
// `LinuxKernel` makes the call; `RecordingKernel` (the test double, and `explain`)
// records the value; `TracingKernel` prints it, then hands it on. Production code never
// asks which one it runs on.
//
// A new call is written in three places: its case below, its `LinuxKernel.perform`
// branch (one exhaustive switch), and its `description` (SyscallDescription.swift) —
// plus, if call sites read better with it, a one-line wrapper in KernelCalls.swift.

/// An errno, as a value (swift-system's `Errno`, without the dependency).
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    /// The calling thread's errno.
    static var current: Errno { Errno(errno) }
    /// strerror(3): "No such file or directory".
    public var description: String { String(cString: strerror(rawValue)) }
}

/// What the new process does about its session before execve (`cfs_clone3_exec`).
enum NewProcessSession: Int32 {
    /// Stays in cfsh's session and process group.
    case unchanged = 0
    /// A process group of its own, handed the terminal: the interactive shell.
    case processGroup = 1
    /// setsid(2): away from cfsh's controlling terminal.
    case newSession = 2
}

protocol Kernel: AnyObject {
    /// Makes (or records) one call: what it returned, or its errno. EINTR is retried
    /// inside where that is safe.
    func perform(_ call: Syscall) throws(Errno) -> SyscallResult
    /// The calls from here on are made for plan step `index` (nil: for none). No call
    /// into the kernel: `explain` ties each call to its step's `.cfs` line with it.
    func stepStarts(_ index: Int?)
}

extension Kernel {
    func stepStarts(_ index: Int?) {}
}

/// One call into the kernel, with its arguments as typed values: flags as numbers,
/// paths as strings. Most are one syscall; a few are the short fixed sequence one
/// engine operation makes (a whole-file write, the init's reaping loop), named for it.
enum Syscall {
    // Files and pipes.
    /// pipe2(O_CLOEXEC): `.pipe`.
    case pipe2
    /// Reads to EOF: `.text`.
    case read(fd: Int32)
    /// One read(2) of at most a few bytes: `.text` ("" at EOF). `wait` false: poll(2)
    /// first, and EAGAIN when there is nothing yet.
    case readSome(fd: Int32, wait: Bool)
    /// All of `text`, retrying short writes and EINTR.
    case write(fd: Int32, text: String)
    case close(fd: Int32)
    /// open(O_RDONLY|O_CLOEXEC), read to EOF, close: `.text` (/proc/self/cgroup).
    case readFile(path: String)
    /// open(O_WRONLY|O_CLOEXEC), one write(2) of all of `text`, close: /proc/PID/uid_map
    /// must be written in a single write (user_namespaces(7)).
    case writeFile(path: String, text: String)
    case mkdir(path: String, mode: mode_t)
    case rmdir(path: String)
    /// open(path, O_WRONLY|O_CREAT|O_CLOEXEC, mode), close: an empty file to bind onto.
    case createFile(path: String, mode: mode_t)
    case symlink(target: String, path: String)
    /// fcntl(fd, F_SETFD, FD_CLOEXEC).
    case setCloseOnExec(fd: Int32)
    case closeRange(first: UInt32, last: UInt32)

    // Processes.
    /// clone3(flags | SIGCHLD) straight into execve(path, argv): see `cfs_clone3_exec`.
    /// With `maps`, the new process waits for one byte on that pipe, then becomes the
    /// namespace's root where mapped, before execve. `.returned(pid)`.
    case clone3Exec(flags: UInt64, path: String, argv: [String], inherit: List<Int32>,
                    errorFD: Int32, session: NewProcessSession, maps: MapsHandover?)
    /// open("/dev/tty", O_RDONLY|O_NOCTTY): whether cfsh has a controlling terminal
    /// (`.returned(1)`) or not (0, ENXIO). Only then does a run without the terminal
    /// handed over need a new session (Parent.swift).
    case hasControllingTerminal
    /// What the clone3 shim does in the new process before execve, recorded by the double.
    case setpgid(pid: pid_t, group: pid_t)
    /// setsid(2): the clone3 shim, for a run without a terminal (not interactive).
    case setsid
    /// prctl(PR_SET_PDEATHSIG, signal): the clone3 shim before execve; `set user` again
    /// after its setresuid, which clears it (User.swift).
    case setParentDeathSignal(Int32)
    /// getppid(2): `.returned(pid)`.
    case getppid
    /// The names in a directory, without "." and "..", one a line: `.text` (the stale
    /// cgroup sweep, Cgroups.swift; `verify`, Verify.swift).
    case listDirectory(path: String)
    /// `.returned(pid)` in the parent, 0 in the new process.
    case fork
    /// posix_spawn(3) of the command, with the command's signal start (see
    /// `childSpawnInit`): `.returned(pid)` once its execve succeeded, or execve's errno.
    case posixSpawn(path: String, argv: [String], environment: CommandEnvironment)
    case execve(path: String, argv: [String], environment: CommandEnvironment)
    /// wait4(pid, options): `.status` (the raw wait status); with WNOHANG and nothing to
    /// report, `.returned(0)`. WUNTRACED: the interactive shell's jobs (Jobs.swift).
    case wait4(pid: pid_t, options: Int32)
    /// PID 1's life once the command runs (Init.swift): forward signals to `command`, reap
    /// every child until it exits: `.status`, the status to exit with. With `stopFD` >= 0,
    /// one byte "S" there each time the command stops (Jobs.swift says why).
    case reapUntilExit(command: pid_t, stopFD: Int32)
    /// _exit(2): the forked command, after its execve failed.
    case exit(status: Int32)
    case kill(pid: pid_t, signal: Int32)
    case getpid
    case getuid
    case getgid
    case geteuid
    /// usleep(3): the cgroup's retry (Cgroups.swift).
    case sleep(microseconds: UInt32)

    // Signals (Signals.swift) and the terminal (Terminal.swift).
    /// SIG_IGN for `signal`: `.signals(saved)`.
    case ignoreSignal(Int32)
    /// Forwarders of `forwardedSignals` to `pid`: `.signals(saved)`.
    case forwardSignals(to: pid_t)
    case restoreSignals(SavedSignalActions)
    /// SIGCHLD back to SIG_DFL if cfsh was started with it ignored (see runParent).
    case unignoreChildSignal
    /// Every signal blocked, before fork: no handler of the init runs in the command.
    case blockAllSignals
    /// The command's start: `signalsResetForCommand` at SIG_DFL, nothing blocked.
    case resetSignalsForCommand
    /// The sandbox becomes the terminal's foreground, with `modes` if given (a job's own,
    /// saved when it stopped): `.terminal(saved)`.
    case giveTerminal(fd: Int32, to: pid_t, modes: termios?)
    /// `.terminal(handover)` with the sandbox's modes saved in `job`.
    case takeTerminalBack(TerminalHandover)

    // The steps.
    case sethostname(String)
    case setdomainname(String)
    case mount(source: String?, target: String, fstype: String?, flags: UInt, data: String?)
    case umount2(target: String, flags: Int32)
    /// statvfs(3)'s f_flag of the mount at `path` (ST_RDONLY, ST_NOSUID, ...): `.mountFlags`.
    case statvfs(path: String)
    case chroot(String)
    /// openat2(directory, path, RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS): EXDEV when a
    /// symlink or `..` leads out of `directory` (see `cfs_check_beneath`).
    case checkBeneath(directory: String, path: String)
    /// readlink(2): `.text`, the link's target, or "" when `path` is not a symlink
    /// (readlink's EINVAL, which is the usual answer, is not an error here). Mount
    /// targets (Mounts.swift); `verify`'s /proc/PID/ns/* and root (Verify.swift).
    case readlink(String)
    case chdir(String)
    /// A detached bind mount of `path`, as an fd (`.returned`): see `cfs_open_tree_clone`.
    case openTreeClone(path: String)
    /// Attaches a detached mount at `target`: see `cfs_move_mount`.
    case moveMount(fd: Int32, target: String)
    case pivotRoot(newRoot: String, putOld: String)
    case setgroups([gid_t])
    case setresgid(gid_t)
    case setresuid(uid_t)
    /// prlimit(0, resource, {soft, hard}): setrlimit(2) with 64-bit values.
    case prlimit(resource: Int32, soft: UInt64, hard: UInt64)
    /// prctl(PR_SET_NO_NEW_PRIVS, 1).
    case setNoNewPrivs
    /// prctl(PR_CAPBSET_DROP, capability).
    case dropBoundingCapability(Int)
    /// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL).
    case clearAmbientCapabilities
    /// `.capabilities`.
    case capget
    case capset(CapabilitySets)
    /// IFF_UP on an interface: see `cfs_interface_up`.
    case interfaceUp(String)

    // `verify` (Verify.swift): looking at another process from the host.
    /// stat(2) of `path`, following links: `.text` "DEV:INO" (the same directory, however reached).
    case fileIdentity(path: String)
    /// uname(2) inside `pid`'s UTS namespace, from a forked helper (`cfs_uts_names`):
    /// `.text` "NODENAME\nDOMAINNAME\n".
    case utsNames(pid: pid_t)

    // Kernel errors explained (KernelErrors.swift): only a failed step looks.
    /// statx(2) of `path` for STATX_MNT_ID and STATX_ATTR_MOUNT_ROOT: `.mountPosition`
    /// (see `cfs_mount_position`).
    case mountPosition(path: String)
    /// The user namespace owning the namespace at `path`: `.text` "DEV:INO", as
    /// `fileIdentity` of /proc/self/ns/user says it (see `cfs_namespace_owner`).
    case namespaceOwner(path: String)
}

/// What a call gave back, besides success.
enum SyscallResult {
    case done
    /// The kernel's return value: an fd, a pid, an id.
    case returned(Int)
    case pipe(read: Int32, write: Int32)
    case text(String)
    /// A raw wait status, or the status the init exits with.
    case status(Int32)
    case mountFlags(UInt)
    case capabilities(CapabilitySets)
    case signals(SavedSignalActions)
    case terminal(TerminalHandover)
    case mountPosition(MountPosition)
}

/// A process's capability sets (capabilities(7)), bit n for capability n.
struct CapabilitySets: Equatable, Sendable {
    var effective: UInt64 = 0
    var permitted: UInt64 = 0
    var inheritable: UInt64 = 0
    init(effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0) {
        self.effective = effective
        self.permitted = permitted
        self.inheritable = inheritable
    }
}
