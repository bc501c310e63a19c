#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// Signal forwarding, parent (to the child) and init (to the command): SIGINT, SIGTERM,
// SIGHUP, SIGQUIT. A signal the terminal generated (si_code SI_KERNEL) already reached
// the whole foreground process group, the sandbox included; forwarding it again would
// deliver it twice, so only signals sent by a process (kill(1), a supervisor) are passed on.

/// Lists of signals are appended to, not written as array literals: a literal is an
/// Array, and the first Array of Int32 in a process costs the runtime its storage
/// class's metadata, in the parent and in the init on every start (issue 13; List).
let forwardedSignals: List<Int32> = {
    var signals = List<Int32>()
    signals.append(SIGINT)
    signals.append(SIGTERM)
    signals.append(SIGHUP)
    signals.append(SIGQUIT)
    return signals
}()

/// Where the handler forwards to. Written before the handlers are installed (or while
/// the signals are blocked), read only by the handler: a plain global is enough.
nonisolated(unsafe) private var forwardingTarget: pid_t = 0

private let forwardingHandler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?,
                                                UnsafeMutableRawPointer?) -> Void = { signal, info, _ in
    let target = forwardingTarget
    guard target > 0 else { return }
    if let info, info.pointee.si_code == SI_KERNEL { return }
    kill(target, signal)
}

/// The dispositions replaced, to put back afterwards.
struct SavedSignalActions {
    /// One replaced disposition (a List of them: no array storage class for the runtime
    /// to build on the start path; issue 13, List.swift).
    struct Saved {
        var signal: Int32
        var action: sigaction
    }
    var actions = List<Saved>()
    var mask = sigset_t()
}

/// Installs the forwarders (SA_RESTART: the waits they interrupt carry on).
func installSignalForwarding(to pid: pid_t) -> SavedSignalActions {
    forwardingTarget = pid
    var saved = SavedSignalActions()
    var action = sigaction()
    action.__sigaction_handler.sa_sigaction = forwardingHandler
    action.sa_flags = SA_SIGINFO | SA_RESTART
    sigemptyset(&action.sa_mask)
    for signal in forwardedSignals {
        var old = sigaction()
        sigaction(signal, &action, &old)
        saved.actions.append(.init(signal: signal, action: old))
    }
    // A caller may have them blocked (a test runner's threads, a supervisor): then
    // nothing would be forwarded at all.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for signal in forwardedSignals { sigaddset(&unblock, signal) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, &saved.mask)
    return saved
}

/// SIG_IGN for `signal` (the parent's SIGPIPE), saving what it was.
func ignoreSignalSaving(_ signal: Int32) -> SavedSignalActions {
    var ignore = sigaction(), old = sigaction()
    ignore.__sigaction_handler.sa_handler = SIG_IGN
    sigaction(signal, &ignore, &old)
    var saved = SavedSignalActions()
    saved.actions.append(.init(signal: signal, action: old))
    pthread_sigmask(SIG_SETMASK, nil, &saved.mask)
    return saved
}

func restoreSignalActions(_ saved: SavedSignalActions) {
    var mask = saved.mask
    pthread_sigmask(SIG_SETMASK, &mask, nil)
    for saved in saved.actions {
        var old = saved.action
        sigaction(saved.signal, &old, nil)
    }
    forwardingTarget = 0
}

/// What the command starts with: default dispositions for what a shell commonly ignores
/// (SIG_IGN survives execve), and nothing blocked.
let signalsResetForCommand: List<Int32> = {
    var signals = forwardedSignals
    signals.append(SIGPIPE)
    signals.append(SIGTTOU)
    signals.append(SIGTTIN)
    signals.append(SIGTSTP)
    signals.append(SIGCHLD)
    return signals
}()

func resetSignalsForCommand() {
    for signal in signalsResetForCommand {
        Glibc.signal(signal, SIG_DFL)
    }
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)
}
