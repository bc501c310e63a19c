#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

// The parent: clone the child into its namespaces, hand it the plan, say "go", wait.
// The protocol is drawn in Protocol.swift.

/// clone3 flags for the plan's namespaces.
func cloneFlags(_ namespaces: Set<Namespace>) -> UInt64 {
    var flags: UInt64 = 0
    for namespace in namespaces {
        switch namespace {
        case .uts: flags |= UInt64(CFS_CLONE_NEWUTS)
        case .pid: flags |= UInt64(CFS_CLONE_NEWPID)
        case .mount: flags |= UInt64(CFS_CLONE_NEWNS)
        case .ipc: flags |= UInt64(CFS_CLONE_NEWIPC)
        case .net: flags |= UInt64(CFS_CLONE_NEWNET)
        case .user: flags |= UInt64(CFS_CLONE_NEWUSER)
        case .cgroup: flags |= UInt64(CFS_CLONE_NEWCGROUP)
        case .time: flags |= UInt64(CFS_CLONE_NEWTIME)
        }
    }
    return flags
}

func runParent(_ plan: Plan, argv: [String], options: RunOptions, sys: Syscalls) -> RunOutcome {
    let live = sys is LinuxSyscalls
    let planPipe, syncPipe, errorPipe: (read: Int32, write: Int32)
    // With a new user namespace, a fourth pipe: "the maps are written" (IDMaps.swift).
    var mapsPipe: (read: Int32, write: Int32)?
    do {
        planPipe = try sys.pipe()
        syncPipe = try sys.pipe()
        errorPipe = try sys.pipe()
        if plan.namespaces.contains(.user) { mapsPipe = try sys.pipe() }
    } catch {
        return .failed(SandboxFailure.setup("pipe2", "the child's pipes", error as! Errno, index: nil))
    }
    var open: Set<Int32> = [planPipe.read, planPipe.write, syncPipe.read, syncPipe.write,
                            errorPipe.read, errorPipe.write]
    if let mapsPipe { open.formUnion([mapsPipe.read, mapsPipe.write]) }
    func close(_ fd: Int32) {
        if open.remove(fd) != nil { sys.close(fd) }
    }
    defer { for fd in open { sys.close(fd) } }

    // The child is this binary again (options.executable, /proc/self/exe by default).
    // Not yet done: runc re-execs a sealed memfd copy (CVE-2019-5736) so that a root
    // process in the sandbox cannot write the host's binary through /proc/1/exe while
    // cfsh's init is PID 1 there. Until then the init holds it busy (ETXTBSY) and dies
    // with the sandbox, but a sealed copy is the real fix.
    let inherited = [planPipe.read, syncPipe.read, errorPipe.write]
    let childArgv = ["cfsh", Sandbox.childVerb] + inherited.map { String($0) }
    let pid: pid_t
    do {
        pid = try sys.cloneAndExec(flags: cloneFlags(plan.namespaces), path: options.executable,
                                   argv: childArgv, inherit: inherited,
                                   errorFD: errorPipe.write,
                                   newProcessGroup: options.terminalFD != nil,
                                   maps: mapsPipe)
    } catch {
        return .failed(SandboxFailure.setup("clone3", namespaceList(plan), error as! Errno,
                                            index: nil))
    }
    for fd in inherited { close(fd) }
    if let mapsPipe { close(mapsPipe.read) }
    if plan.trace && live { traceLine("Running \(seedArguments(argv)) as \(pid)") }

    // A child that died early closes its pipes: writing then must be EPIPE, not SIGPIPE.
    var savedPipe = sigaction()
    var savedSignals: SavedSignalActions?
    var terminal: TerminalHandover?
    if live {
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigaction(SIGPIPE, &ignore, &savedPipe)
        savedSignals = installSignalForwarding(to: pid)
    }
    defer {
        if live {
            if let terminal { parentTakeTerminalBack(terminal) }
            if let savedSignals { restoreSignalActions(savedSignals) }
            sigaction(SIGPIPE, &savedPipe, nil)
        }
    }

    // The uid/gid maps, before the child's re-exec. If they cannot be written the
    // child sees EOF instead of the byte and exits; the parent reports why.
    var parentFailure: SandboxFailure?
    if let mapsPipe {
        do {
            try parentWriteIDMaps(plan, pid: pid, sys: sys)
            try sys.write(mapsPipe.write, "1", what: "the maps written")
        } catch let failure as SandboxFailure {
            parentFailure = failure
        } catch {
            parentFailure = SandboxFailure.setup("write", "the maps pipe", error as! Errno, index: nil)
        }
        close(mapsPipe.write)
    }

    // The cgroup, before the child runs any step. Removed after the child is waited
    // for, whatever happened (see the defer below).
    var cgroups: [String] = []
    if parentFailure == nil && !plan.limits.isEmpty {
        do {
            let created = parentCreateCgroups(
                try cgroupDirectories(plan.limits, pid: pid, sys: sys), pid: pid, sys: sys)
            cgroups = created.made
            parentFailure = created.failure
        } catch {
            parentFailure = SandboxFailure.setup("limit", "cgroup", error as! Errno, index: nil)
        }
    }

    // The plan, then "go". If either write fails the child has already gone: its
    // failure record (or its status) says why.
    var handedOver = false
    if parentFailure == nil {
        do {
            try sys.write(planPipe.write, encodeRun(plan, argv: argv), what: "the plan")
            close(planPipe.write)
            if live, let fd = options.terminalFD { terminal = parentGiveTerminal(fd, to: pid) }
            try sys.write(syncPipe.write, "go", what: "\"go\"")
            handedOver = true
        } catch {}
    }
    close(planPipe.write)
    close(syncPipe.write)

    let record = (try? sys.readAll(errorPipe.read, what: "the error pipe")) ?? ""
    close(errorPipe.read)
    let status: Int32
    do {
        status = try sys.wait(pid)
    } catch {
        // The child cannot be waited for: its cgroup is left rather than emptied by force.
        return .failed(SandboxFailure.setup("wait4", "the child", error as! Errno, index: nil))
    }
    if let failure = parentRemoveCgroups(cgroups, sys: sys).first, parentFailure == nil {
        parentFailure = failure
    }
    if let parentFailure { return .failed(parentFailure) }
    if var failure = FailureRecord.decode(record) {
        if failure.step == "reexec" {
            failure.message = "clone3: re-executing \(options.executable): \(Errno(failure.errno))"
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
        return .exited(code)
    }
    return .signaled(signal)
}

private func namespaceList(_ plan: Plan) -> String {
    plan.namespaces.isEmpty ? "no new namespaces"
        : "unshare " + plan.namespaces.sorted().map(\.rawValue).joined(separator: " ")
}
