#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import CLinux

// PID 1 in a new PID namespace (pid_namespaces(7)). The first process there is the
// namespace's init: orphans are re-parented to it and must be reaped, and the kernel
// delivers it only the signals it has handlers for. A shell or `sleep` is not written
// for that, so by default the child stays PID 1 (tini's job): it forks the command
// (PID 2), reaps every child, forwards signals, and exits with the command's status.

/// With `unshare pid` and `set init on` (the default).
func childNeedsInit(_ plan: Plan) -> Bool {
    plan.namespaces.contains(.pid) && plan.initProcess
}

/// Forks the command and supervises it: returns the status the init exits with. In the
/// command, returns only if exec failed (its status; the failure is reported), or when
/// the kernel merely records (0).
func childRunInit(exec: () -> SandboxFailure?, errorFD: Int32, stopFD: Int32 = -1,
                  kernel: any Kernel) -> Int32 {
    // No handler of the init may run in the command before it resets them.
    _ = kernel.perform(always: .blockAllSignals)
    let command: pid_t
    do {
        command = try kernel.fork()
    } catch {
        childReport(SandboxFailure.setup("fork", "the command", error, index: nil),
                    errorFD: errorFD, kernel: kernel)
        return 125
    }
    if command == 0 {
        _ = kernel.perform(always: .resetSignalsForCommand)
        if let failure = exec() {
            childReport(failure, errorFD: errorFD, kernel: kernel)
            // Not exit(3): nothing of the init's (atexit handlers, buffers) runs twice.
            _ = kernel.perform(always: .exit(status: failure.status))
            return failure.status
        }
        return 0
    }
    // The command holds the error pipe until its execve closes it; the parent's EOF
    // must not wait for the init too.
    kernel.close(errorFD)
    return kernel.perform(always: .reapUntilExit(command: command, stopFD: stopFD)).status
}

/// Whether the init may start the command with posix_spawn instead of fork: nothing
/// has to run between fork and execve (no `set user`), and there is one candidate to
/// exec (a path with a `/`). A PATH search stays with fork: one posix_spawn per
/// candidate would use up a PID for each miss, and the command is PID 2.
func childCanSpawn(_ plan: Plan, _ argv: [String]) -> Bool {
    plan.user == nil && (argv.first?.utf8.contains(UInt8(ascii: "/")) ?? false)
}

/// The init without fork (see childCanSpawn): posix_spawn(3), then supervise. Returns
/// the status the init exits with.
func childSpawnInit(_ argv: [String], environment: CommandEnvironment, errorFD: Int32,
                    stopFD: Int32 = -1, kernel: any Kernel) -> Int32 {
    var command: pid_t = 0
    var spawnFailed = false
    let failure = childExecCommand(argv, environment: environment) { (path) throws(Errno) in
        do throws(Errno) {
            command = pid_t(try kernel.perform(
                .posixSpawn(path: path, argv: argv, environment: environment)).number)
        } catch {
            // execve never fails with EAGAIN here (no set*id ran): clone did.
            if error.rawValue == EAGAIN { spawnFailed = true }
            throw error
        }
    }
    if let failure {
        let reported = spawnFailed ? SandboxFailure.setup("fork", "the command", Errno(EAGAIN), index: nil)
                                   : failure
        childReport(reported, errorFD: errorFD, kernel: kernel)
        return reported.status
    }
    // Until here the init needed the error pipe to report a failed spawn. The command is
    // already running (posix_spawn returns after its execve), so for a few microseconds
    // it can see this fd in /proc/1/fd; after this line only 0, 1, 2 remain.
    kernel.close(errorFD)
    return kernel.perform(always: .reapUntilExit(command: command, stopFD: stopFD)).status
}

/// posix_spawn(3) of one candidate, for `Syscall.posixSpawn`. glibc's posix_spawn is
/// clone(CLONE_VM|CLONE_VFORK) straight into execve — no copy of this process's page
/// tables, no copy-on-write faults, none of cfsh's code run in the command — and it
/// returns execve's errno, so a command that cannot run gets the same 127/126 and
/// message as with fork (childExecCommand's rules). The command starts as the forked
/// one would: the signals resetSignalsForCommand resets at their default, nothing
/// blocked; the init blocks them all meanwhile (its handlers come with supervision).
func spawnCommand(_ path: String, _ argv: [String],
                  _ environment: CommandEnvironment) throws(Errno) -> pid_t {
    var all = sigset_t()
    sigfillset(&all)
    sigprocmask(SIG_SETMASK, &all, nil)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), defaults = sigset_t()
    sigemptyset(&none)
    sigemptyset(&defaults)
    for signal in signalsResetForCommand { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let cArgv = CStrings(argv)
    let cEnv = environment.isInherited ? nil : CStrings(environment.entries)
    defer { cArgv.free(); cEnv?.free() }
    var command: pid_t = 0
    let error = posix_spawn(&command, path, nil, &attributes, cArgv.pointers,
                            cEnv?.pointers ?? environ)
    if error != 0 { throw Errno(error) }
    return command
}

/// The init's life once the command runs: forward signals to it, reap every child,
/// return the status to exit with. With `stopFD`, each stop of the command is said
/// there: PID 1 ignores Ctrl-Z and cannot stop itself (Jobs.swift).
func reapUntilCommandExits(_ command: pid_t, stopFD: Int32) -> Int32 {
    _ = installSignalForwarding(to: command)
    // The init lives as long as the sandbox: the stack its start-up used is given back
    // (issue 13: its private memory is what each sandbox costs).
    cfs_release_startup_memory()
    // Nothing stays blocked in the init, whatever mask cfsh was started with (a blocked
    // SIGTERM inherited from a test runner would never be forwarded).
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)

    var status: Int32 = 0
    while true {
        var childStatus: Int32 = 0
        let reaped = waitpid(-1, &childStatus, stopFD >= 0 ? WUNTRACED : 0)
        if reaped == command && childStatus & 0xff == 0x7f {
            _ = Glibc.write(stopFD, "S", 1)
            continue
        }
        if reaped == command {
            status = childStatus
            break
        }
        if reaped == -1 && errno == ECHILD { break }
    }
    // Our exit kills what is left in the namespace (pid_namespaces(7)). A PID 1 cannot
    // re-raise a fatal signal on itself, so "killed by N" becomes 128+N: the status the
    // parent reports is the same as without init.
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
}
