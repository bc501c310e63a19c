#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

// The parent: clone the child into its namespaces, hand it the plan, say "go", wait.
// The protocol is drawn in Protocol.swift.

/// clone3 flags for the plan's namespaces: the bit set holds them already (Plan.swift).
func cloneFlags(_ namespaces: Namespaces) -> UInt64 { namespaces.rawValue }

/// The plan text of the last sandbox started, kept until the next one replaces it
/// instead of freed once written: freeing a String of 64 bytes or more costs a process's
/// first such free the runtime's breadcrumbs work (see the child's
/// `planTextKeptUntilExit`; issue 13), and a script starts one sandbox.
private var lastPlanText = ""

func runParent(_ plan: Plan, argv: [String], options: RunOptions, kernel: any Kernel) -> RunOutcome {
    let planPipe, syncPipe, errorPipe: (read: Int32, write: Int32)
    // With a new user namespace, a fourth pipe: "the maps are written" (IDMaps.swift).
    var mapsPipe: (read: Int32, write: Int32)?
    // Interactive with an init: a fifth, where the init says "stopped" (Jobs.swift).
    var stopPipe: (read: Int32, write: Int32)?
    // `step`: the hold and report pipes (Stepping.swift), for a held run only.
    var holdPipe: (read: Int32, write: Int32)?, reportPipe: (read: Int32, write: Int32)?
    do {
        planPipe = try kernel.pipe()
        syncPipe = try kernel.pipe()
        errorPipe = try kernel.pipe()
        if plan.namespaces.contains(.user) { mapsPipe = try kernel.pipe() }
        if options.terminalFD != nil && childNeedsInit(plan) { stopPipe = try kernel.pipe() }
        if options.onStep != nil {
            holdPipe = try kernel.pipe()
            reportPipe = try kernel.pipe()
        }
    } catch {
        return .failed(SandboxFailure.setup("pipe2", "the child's pipes", error, index: nil))
    }
    // In the order opened, so that closing them is in a known order too.
    // Lists of fds are appended to, not written as array literals: a literal is an
    // Array, and the first Array of Int32 costs the runtime its storage class's metadata
    // on every start (issue 13; CFSLanguage's List).
    var open = List<Int32>()
    func opened(_ pipe: (read: Int32, write: Int32)?) {
        if let pipe { open.append(pipe.read); open.append(pipe.write) }
    }
    opened(planPipe); opened(syncPipe); opened(errorPipe); opened(mapsPipe); opened(stopPipe)
    opened(holdPipe); opened(reportPipe)
    func close(_ fd: Int32) {
        if let at = open.firstIndex(of: fd) {
            open.remove(at: at)
            kernel.close(fd)
        }
    }
    defer { for fd in open { kernel.close(fd) } }

    // The child is this binary again (options.executable, /proc/self/exe by default).
    // Not yet done: runc re-execs a sealed memfd copy (CVE-2019-5736) so that a root
    // process in the sandbox cannot write the host's binary through /proc/1/exe while
    // cfsh's init is PID 1 there. Until then the init holds it busy (ETXTBSY) and dies
    // with the sandbox, but a sealed copy is the real fix.
    var inherited = List<Int32>()
    inherited.append(planPipe.read)
    inherited.append(syncPipe.read)
    inherited.append(errorPipe.write)
    if let stopPipe { inherited.append(stopPipe.write) }
    var childArgv = ["cfsh", Sandbox.childVerb]
    for fd in inherited { childArgv.append(String(fd)) }
    if let holdPipe, let reportPipe {
        if stopPipe == nil { childArgv.append("-") }
        childArgv.append(String(holdPipe.read))
        childArgv.append(String(reportPipe.write))
        inherited.append(holdPipe.read)
        inherited.append(reportPipe.write)
    }
    // Started with SIGCHLD ignored (a wrapper's `signal(SIGCHLD, SIG_IGN)`), cfsh's
    // children would be reaped by the kernel the moment they exit and wait4 would find
    // none (ECHILD: sigaction(2), "POSIX.1-2001 … SIG_IGN"): every run said 125. The
    // disposition is also inherited across clone and execve by the init, whose waitpid
    // would then lose the command's status. So it is SIG_DFL from the first run on — a
    // shell must be able to wait for its children (issue 11, item 6).
    _ = kernel.perform(always: .unignoreChildSignal)
    // Without the terminal handed over, the sandbox leaves cfsh's session — but only
    // when that session has a controlling terminal, the one thing setsid(2) takes it
    // away from (TIOCSTI: bubblewrap CVE-2017-5226). Without one, a process that is not
    // a session leader cannot acquire one, and staying keeps the sandbox in its
    // caller's session, where the caller (a service manager, the tests) finds it.
    let session: NewProcessSession = options.terminalFD != nil ? .processGroup
        : (try? kernel.perform(.hasControllingTerminal).number) == 1 ? .newSession : .unchanged
    // The child borrows cfsh's memory until its execve, as posix_spawn(3) makes one
    // (CLONE_VM|CLONE_VFORK, CLONE_CLEAR_SIGHAND: Sources/CLinux/include/CLinux.h),
    // instead of getting a copy of cfsh's page tables that the execve throws away at
    // once: 0.23-0.33 ms less per sandbox start (issue 13: scripts/phases, each build
    // against the floor in the same run; clone3 to the child's exec went from 0.28-0.37
    // ms more than the floor's to 0.03-0.04). Not
    // with a new user namespace: that child waits for the maps before its execve, and a
    // vfork parent could not write them.
    let borrowMemory = mapsPipe == nil && cfs_clone3_shares_memory() == 1
    let how = borrowMemory ? UInt64(CFS_CLONE_VM | CFS_CLONE_VFORK | CFS_CLONE_CLEAR_SIGHAND) : 0
    let pid: pid_t
    do {
        pid = pid_t(try kernel.perform(.clone3Exec(
            flags: cloneFlags(plan.namespaces) | how, path: options.executable, argv: childArgv,
            inherit: inherited, errorFD: errorPipe.write,
            session: session,
            maps: mapsPipe.map { MapsHandover($0, plan: plan) })).number)
    } catch {
        var failure = SandboxFailure.setup("clone3", namespaceList(plan), error, index: nil)
        failure.cause = parentLookWhyCloneFailed(error, plan: plan, kernel: kernel)
        return .failed(failure)
    }
    for fd in inherited { close(fd) }
    if let mapsPipe { close(mapsPipe.read) }
    if plan.trace {
        try? kernel.write(2, "Running " + talkArguments(argv) + " as " + String(pid) + "\n")
    }

    // A child that died early closes its pipes: writing then must be EPIPE, not SIGPIPE.
    // The signals are the parent's own again once the child is reaped: its pid may then
    // name another process.
    // (Two optionals, not an array: no generic container of the engine's own types on
    // the start path, whose metadata the runtime would build on first use.)
    var savedPipe: SavedSignalActions?, savedForwarding: SavedSignalActions?
    if case .signals(let saved) = kernel.perform(always: .ignoreSignal(SIGPIPE)) { savedPipe = saved }
    if case .signals(let saved) = kernel.perform(always: .forwardSignals(to: pid)) {
        savedForwarding = saved
    }
    var terminal: TerminalHandover?
    func restoreSignalsAndTerminal() {
        if let handover = terminal { _ = kernel.perform(always: .takeTerminalBack(handover)) }
        if let saved = savedForwarding { _ = kernel.perform(always: .restoreSignals(saved)) }
        if let saved = savedPipe { _ = kernel.perform(always: .restoreSignals(saved)) }
        terminal = nil
        savedForwarding = nil
        savedPipe = nil
    }
    defer { restoreSignalsAndTerminal() }

    // The uid/gid maps, before the child's re-exec. If they cannot be written the
    // child sees EOF instead of the byte and exits; the parent reports why.
    var parentFailure: SandboxFailure?
    if let mapsPipe {
        do throws(SandboxFailure) {
            try parentWriteIDMaps(plan, pid: pid, kernel: kernel)
            do {
                try kernel.write(mapsPipe.write, "1")
            } catch {
                throw SandboxFailure.setup("write", "the maps pipe", error, index: nil)
            }
        } catch {
            parentFailure = error
        }
        close(mapsPipe.write)
    }

    // The cgroup, before the child runs any step. Removed after the child is waited
    // for, whatever happened.
    var cgroups: [String] = []
    if parentFailure == nil && !plan.limits.isEmpty {
        let created = parentCreateCgroups(cgroupDirectories(plan.limits, pid: pid, kernel: kernel),
                                          pid: pid, kernel: kernel)
        cgroups = created.made
        parentFailure = created.failure
    }

    // The plan, then "go". If either write fails the child has already gone: its
    // failure record (or its status) says why.
    var handedOver = false
    if parentFailure == nil {
        do {
            lastPlanText = encodeRun(plan, argv: argv)
            try kernel.write(planPipe.write, lastPlanText)
            close(planPipe.write)
            if let fd = options.terminalFD,
               case .terminal(let handover) = kernel.perform(always: .giveTerminal(fd: fd, to: pid, modes: nil)) {
                terminal = handover
            }
            try kernel.write(syncPipe.write, "go")
            handedOver = true
        } catch {}
    }
    close(planPipe.write)
    close(syncPipe.write)
    if let holdPipe, let reportPipe, let onStep = options.onStep {
        if handedOver {
            parentDriveSteps(pid: pid, holdFD: holdPipe.write, reportFD: reportPipe.read, onStep: onStep, kernel: kernel)
        }
        // EOF on the hold pipe: an abort, or nothing more to say.
        close(holdPipe.write)
        close(reportPipe.read)
    }

    let record = (try? kernel.readAll(errorPipe.read)) ?? ""
    close(errorPipe.read)
    // The command has exec'd and runs: `verify` looks at it now (Verify.swift).
    if handedOver && record.isEmpty, let whileRunning = options.whileRunning { whileRunning(pid) }
    // From here the sandbox is a value that owns its pid, signals, terminal, cgroup and
    // stop pipe: the wait may end in a stop, and the shell finishes it later (Jobs.swift).
    var sandbox = RunningSandbox(pid: pid, kernel: kernel, executable: options.executable)
    sandbox.record = record
    sandbox.handedOver = handedOver
    sandbox.parentFailure = parentFailure
    sandbox.cgroups = cgroups
    if plan.limits.memoryBytes != nil { sandbox.memoryCgroup = memoryCgroup(of: cgroups) }
    sandbox.terminal = terminal
    sandbox.terminalFD = options.terminalFD ?? -1
    sandbox.savedPipe = savedPipe
    sandbox.savedForwarding = savedForwarding
    if let stopPipe {
        open.removeAll { $0 == stopPipe.read }
        sandbox.stopFD = stopPipe.read
    }
    terminal = nil
    savedForwarding = nil
    savedPipe = nil
    return sandbox.wait()
}

/// The outcome of a sandbox that has been waited for: its cgroup removed, its failure
/// record (or its wait status) turned into what the user sees.
func parentOutcome(status: Int32, record: String, handedOver: Bool, parentFailure: SandboxFailure?,
                   cgroups: [String], memoryCgroup: String?, executable: String,
                   kernel: any Kernel) -> RunOutcome {
    var parentFailure = parentFailure
    // Only a command ended by SIGKILL (or an init passing that on as 137) can have met
    // the OOM killer: only then is the counter read.
    let killed = status & 0x7f == SIGKILL || (status & 0x7f == 0 && (status >> 8) & 0xff == 128 + SIGKILL)
    let oomKills = killed && parentFailure == nil
        ? memoryCgroup.map { parentMemoryLimitKills($0, kernel: kernel) } ?? 0 : 0
    if let failure = parentRemoveCgroups(cgroups, kernel: kernel).first, parentFailure == nil {
        parentFailure = failure
    }
    if let parentFailure { return .failed(parentFailure) }
    if var failure = FailureRecord.decode(record) {
        if failure.step == "reexec" {
            failure.message = "clone3: re-executing " + executable + ": "
                + Errno(failure.errno).description
        } else if (failure.step == "setresuid" || failure.step == "setresgid") && failure.message.isEmpty {
            // The clone3 shim's record (no message). `set user`'s own setresuid failure
            // has its message and is not the user namespace's (issue 11, item 1).
            failure.message = failure.step + ": becoming " + (failure.step == "setresuid" ? "uid" : "gid")
                + " 0 of the new user namespace: " + Errno(failure.errno).description
        }
        return .failed(failure)
    }
    let signal = status & 0x7f
    if signal == 0 {
        let code = (status >> 8) & 0xff
        if !handedOver && code == 125 {
            return .failed(SandboxFailure(stepIndex: nil, step: "plan", errno: EPIPE,
                                          message: "plan: the child exited before it was read",
                                          status: 125))
        }
        // The init passes on a command killed by SIGKILL as 128+9 (Init.swift).
        if code == 128 + SIGKILL && oomKills > 0 { return .killedByMemoryLimit(oomKills) }
        return .exited(code)
    }
    if signal == SIGKILL && oomKills > 0 { return .killedByMemoryLimit(oomKills) }
    return .signaled(signal)
}

private func namespaceList(_ plan: Plan) -> String {
    plan.namespaces.isEmpty ? "no new namespaces"
        : "unshare " + plan.namespaces.names
}
