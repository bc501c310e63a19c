#if canImport(Glibc)
import Glibc
#endif

// The interactive shell's terminal (credentials(7) "process groups", tcsetpgrp(3)).
// Before "go" the sandbox becomes its own process group and the terminal's foreground,
// so Ctrl-C and job control reach the sandbox, not the REPL; afterwards the REPL takes
// the foreground back and restores the termios it had, whatever the command left.

struct TerminalHandover {
    var fd: Int32
    /// The shell's modes, put back when the sandbox ends or stops.
    var saved: termios?
    /// The sandbox's modes when it stopped (an editor's raw mode), put back by `fg`, as
    /// sh does for a job.
    var job: termios? = nil
}

func parentGiveTerminal(_ fd: Int32, to pid: pid_t, modes: termios? = nil) -> TerminalHandover {
    var handover = TerminalHandover(fd: fd, saved: nil)
    var attributes = termios()
    if tcgetattr(fd, &attributes) == 0 { handover.saved = attributes }
    setpgid(pid, pid)
    // The parent is in the background from here: tcsetpgrp from the background would
    // stop it with SIGTTOU (as would tcsetattr).
    withSIGTTOUBlocked {
        _ = tcsetpgrp(fd, pid)
        if var modes { _ = tcsetattr(fd, TCSADRAIN, &modes) }
    }
    return handover
}

/// Returns the handover with the sandbox's modes saved in `job`.
func parentTakeTerminalBack(_ handover: TerminalHandover) -> TerminalHandover {
    var result = handover
    withSIGTTOUBlocked {
        var attributes = termios()
        if tcgetattr(handover.fd, &attributes) == 0 { result.job = attributes }
        _ = tcsetpgrp(handover.fd, getpgrp())
        if var saved = handover.saved { _ = tcsetattr(handover.fd, TCSADRAIN, &saved) }
    }
    return result
}

private func withSIGTTOUBlocked(_ body: () -> Void) {
    var block = sigset_t(), old = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGTTOU)
    sigprocmask(SIG_BLOCK, &block, &old)
    body()
    sigprocmask(SIG_SETMASK, &old, nil)
}
