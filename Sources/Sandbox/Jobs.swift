#if canImport(Glibc)
import Glibc
#endif

// Job control for the interactive shell (issue 10): Ctrl-Z stops the sandbox and the
// shell gets its prompt back; `fg`, `bg` and a second `quit` finish it later. What the
// parent must keep between those moments is one value, `RunningSandbox`, that the
// shell holds; nothing of it is global.
//
// The parent waits with WUNTRACED only when it gave the sandbox the terminal (scripts
// wait as before: a Ctrl-Z there stops cfsh itself, and the calling shell handles it).
//
// With an init (`unshare pid`, `set init on`) the parent's child is PID 1 of the new
// namespace, and Ctrl-Z's SIGTSTP never stops it: the kernel drops signals PID 1 has no
// handler for, and SIGSTOP too when sent from inside its namespace (pid_namespaces(7),
// signal(7)). Only the command stops. So the init writes "S" on a stop pipe when its
// wait says the command stopped, and the parent, from the ancestor namespace, where
// SIGSTOP does reach PID 1, stops it: then wait4 sees the sandbox stopped.
//
//     parent                                     init (PID 1)           command
//     read(stop pipe)  ◀══ "S" ══════════════    waitpid(WUNTRACED)  ◀── stopped by ^Z
//     kill(init, SIGSTOP); wait4(WUNTRACED) → stopped: terminal and signals back
//     fg: tcsetpgrp(sandbox), kill(-pgrp, SIGCONT), read(stop pipe) again ...
//     EOF on the stop pipe: the init exited (its copy closes): wait4 → its status

/// A sandbox of the interactive shell that has not been waited for to the end: stopped
/// (Ctrl-Z) or running in the background. A value: each call returns what became of it.
public struct RunningSandbox: @unchecked Sendable, Equatable {
    /// The parent's child (the init, or the command), the leader of the sandbox's
    /// process group: `kill(-pid, ...)` reaches the whole sandbox.
    public let pid: pid_t
    let kernel: any Kernel
    let executable: String
    /// What finishing needs: the child's failure record, the cgroups to remove...
    var record = ""
    var handedOver = false
    var parentFailure: SandboxFailure?
    var cgroups: [String] = []
    /// With `limit memory`: the cgroup whose OOM kills are counted (Cgroups.swift).
    var memoryCgroup: String?
    /// ...the terminal and the signals while it runs in the foreground...
    var terminalFD: Int32 = -1
    var terminal: TerminalHandover?
    /// The sandbox's terminal modes when it stopped, given back by `fg`.
    var jobModes: termios?
    var savedPipe: SavedSignalActions?
    var savedForwarding: SavedSignalActions?
    /// ...and the init's stop pipe (-1: none, or its EOF seen).
    var stopFD: Int32 = -1

    init(pid: pid_t, kernel: any Kernel, executable: String) {
        self.pid = pid
        self.kernel = kernel
        self.executable = executable
    }

    public static func == (a: RunningSandbox, b: RunningSandbox) -> Bool { a.pid == b.pid }

    /// Waits in the foreground: `.stopped` (the terminal and the shell's signals given
    /// back) or the end (cgroups removed).
    func wait() -> RunOutcome {
        var sandbox = self
        let untraced = terminalFD >= 0
        let status: Int32
        do {
            if sandbox.stopFD >= 0 {
                // "S": the command stopped, stop its init too; EOF: the init has exited.
                if try kernel.perform(.readSome(fd: sandbox.stopFD, wait: true)).text == "S" {
                    try? kernel.kill(pid, SIGSTOP)
                } else {
                    sandbox.closeStopPipe()
                }
            }
            status = try kernel.perform(.wait4(pid: pid, options: untraced ? WUNTRACED : 0)).status
        } catch {
            // The child cannot be waited for: its cgroup is left rather than emptied by force.
            sandbox.leaveForeground()
            return .failed(SandboxFailure.setup("wait4", "the child", error, index: nil))
        }
        if status & 0xff == 0x7f {
            sandbox.leaveForeground()
            return .stopped(sandbox)
        }
        return sandbox.finish(status)
    }

    /// `fg`: the terminal (with the modes the sandbox had), the forwarders, SIGCONT to
    /// the whole process group, then wait as `exec` does.
    public func continueInForeground() -> RunOutcome {
        var sandbox = self
        if terminalFD >= 0,
           case .terminal(let handover) = kernel.perform(always: .giveTerminal(fd: terminalFD, to: pid,
                                                                                modes: jobModes)) {
            sandbox.terminal = handover
        }
        if case .signals(let saved) = kernel.perform(always: .ignoreSignal(SIGPIPE)) { sandbox.savedPipe = saved }
        if case .signals(let saved) = kernel.perform(always: .forwardSignals(to: pid)) {
            sandbox.savedForwarding = saved
        }
        try? kernel.kill(-pid, SIGCONT)
        return sandbox.wait()
    }

    /// `bg`: SIGCONT to the process group; the shell keeps the terminal.
    public func continueInBackground() {
        try? kernel.kill(-pid, SIGCONT)
    }

    /// A background sandbox, checked without blocking (before each prompt): nil while it
    /// runs, `.stopped` (it read the terminal: SIGTTIN) or its end.
    public func poll() -> RunOutcome? {
        var sandbox = self
        do {
            if sandbox.stopFD >= 0 {
                do {
                    let said = try kernel.perform(.readSome(fd: sandbox.stopFD, wait: false)).text
                    if said == "S" { try? kernel.kill(pid, SIGSTOP) } else { sandbox.closeStopPipe() }
                } catch where error.rawValue == EAGAIN {}
            }
            let result = try kernel.perform(.wait4(pid: pid, options: WUNTRACED | WNOHANG))
            guard case .status(let status) = result else { return nil }
            if status & 0xff == 0x7f { return .stopped(sandbox) }
            return sandbox.finish(status)
        } catch {
            return .failed(SandboxFailure.setup("wait4", "the child", error, index: nil))
        }
    }

    /// Ends it as a shell ends its jobs when it exits: SIGHUP, then SIGCONT so a stopped
    /// sandbox gets it (bash's `hangup`); SIGKILL if it still runs after two seconds (a
    /// command may ignore SIGHUP). Then waited for and its cgroups removed.
    public func end() -> RunOutcome {
        var sandbox = self
        try? kernel.kill(-pid, SIGHUP)
        try? kernel.kill(-pid, SIGCONT)
        for _ in 0..<100 {
            guard let result = try? kernel.perform(.wait4(pid: pid, options: WNOHANG)) else { break }
            if case .status(let status) = result { return sandbox.finish(status) }
            kernel.sleep(microseconds: 20_000)
        }
        try? kernel.kill(-pid, SIGKILL)
        try? kernel.kill(pid, SIGKILL)
        sandbox.closeStopPipe()
        do {
            return sandbox.finish(try kernel.wait(pid))
        } catch {
            return .failed(SandboxFailure.setup("wait4", "the child", error, index: nil))
        }
    }

    // MARK: - The parent's side of a stop and an end

    private mutating func closeStopPipe() {
        if stopFD >= 0 { kernel.close(stopFD) }
        stopFD = -1
    }

    /// The shell's terminal (the sandbox's modes saved for `fg`) and signals again.
    private mutating func leaveForeground() {
        if let handover = terminal,
           case .terminal(let back) = kernel.perform(always: .takeTerminalBack(handover)) {
            jobModes = back.job
        }
        if let saved = savedForwarding { _ = kernel.perform(always: .restoreSignals(saved)) }
        if let saved = savedPipe { _ = kernel.perform(always: .restoreSignals(saved)) }
        terminal = nil
        savedForwarding = nil
        savedPipe = nil
    }

    private mutating func finish(_ status: Int32) -> RunOutcome {
        leaveForeground()
        closeStopPipe()
        return parentOutcome(status: status, record: record, handedOver: handedOver,
                             parentFailure: parentFailure, cgroups: cgroups,
                             memoryCgroup: memoryCgroup, executable: executable, kernel: kernel)
    }
}
