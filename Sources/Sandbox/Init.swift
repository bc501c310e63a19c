#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// PID 1 in a new PID namespace (pid_namespaces(7)). The first process there is the
// namespace's init: orphans are re-parented to it and must be reaped, and the kernel
// delivers it only the signals it has handlers for. A shell or `sleep` is not written
// for that, so by default the child stays PID 1 (tini's job): it forks the command
// (PID 2), reaps every child, forwards signals, and exits with the command's status.

/// With `unshare pid` and `set init on` (the default).
func childNeedsInit(_ plan: Plan) -> Bool {
    plan.namespaces.contains(.pid) && plan.initProcess
}

/// Forks the command and supervises it. Never returns in the init; in the command it
/// returns only if exec failed, with the failure to report.
func childRunInit(exec: () -> SandboxFailure?, errorFD: Int32) -> Never {
    var all = sigset_t(), old = sigset_t()
    sigfillset(&all)
    sigprocmask(SIG_SETMASK, &all, &old)
    let command = fork()
    if command == 0 {
        resetSignalsForCommand()
        if let failure = exec() {
            childReport(failure, errorFD: errorFD)
            _exit(failure.status)
        }
        _exit(0)
    }
    if command < 0 {
        childReport(SandboxFailure.setup("fork", "the command", Errno.current, index: nil),
                    errorFD: errorFD)
        exit(125)
    }
    // The command holds the error pipe until its execve closes it; the parent's EOF
    // must not wait for the init too.
    close(errorFD)
    _ = installSignalForwarding(to: command)
    // Nothing stays blocked in the init, whatever mask cfsh was started with (a blocked
    // SIGTERM inherited from a test runner would never be forwarded).
    _ = old
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)

    var status: Int32 = 0
    while true {
        var childStatus: Int32 = 0
        let reaped = wait(&childStatus)
        if reaped == command {
            status = childStatus
            break
        }
        if reaped == -1 && errno == ECHILD { break }
    }
    // Our exit kills what is left in the namespace (pid_namespaces(7)). A PID 1 cannot
    // re-raise a fatal signal on itself, so "killed by N" becomes 128+N: the status the
    // parent reports is the same as without init.
    if status & 0x7f == 0 { exit((status >> 8) & 0xff) }
    exit(128 + (status & 0x7f))
}
