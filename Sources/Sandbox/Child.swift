#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The child: `/proc/self/exe __cfsh_child PLAN_FD SYNC_FD ERROR_FD`, already in its new
// namespaces (see Protocol.swift). No Foundation on this path: it runs once per sandbox.

func childMainFromArgv(_ argc: Int32,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Never {
    guard argc == 5, let planFD = fdArgument(argv[2]), let syncFD = fdArgument(argv[3]),
          let errorFD = fdArgument(argv[4]) else {
        traceLine("cfsh: \(Sandbox.childVerb) is internal: cfsh runs it itself")
        exit(2)
    }
    // The command's environment starts as this process's own: it is copied into Swift
    // strings only if a step changes it (CommandEnvironment.inherited).
    let status = childRun(sys: LinuxSyscalls(), planFD: planFD, syncFD: syncFD,
                          errorFD: errorFD, environment: .inherited)
    exit(status)
}

/// A file descriptor number in decimal, as the parent wrote it; nil for anything else.
private func fdArgument(_ text: UnsafeMutablePointer<CChar>?) -> Int32? {
    guard var p = text, p.pointee != 0 else { return nil }
    var value: Int32 = 0
    while p.pointee != 0 {
        let digit = Int32(p.pointee) - 48
        guard (0...9).contains(digit), value < 100_000_000 else { return nil }
        value = value * 10 + digit
        p += 1
    }
    return value
}

/// Reads the plan, waits for "go", applies the steps and execs the command. Returns
/// only when something failed (the status to exit with; the failure is already on the
/// error pipe), or when `sys` merely records.
func childRun(sys: Syscalls, planFD: Int32, syncFD: Int32, errorFD: Int32,
              environment: CommandEnvironment) -> Int32 {
    let report = { (failure: SandboxFailure) -> Int32 in
        childReport(failure, errorFD: errorFD, sys: sys)
        return failure.status
    }
    let plan: Plan, argv: [String]
    do {
        let text = try sys.readAll(planFD, what: "the plan")
        sys.close(planFD)
        (plan, argv) = try decodeRun(text)
    } catch {
        return report(SandboxFailure(stepIndex: nil, step: "plan", errno: EINVAL,
                                     message: "plan: the child could not read it: \(error)",
                                     status: 125))
    }
    // Anything but "go" (EOF) means the parent gave up: nobody is listening.
    guard (try? sys.readAll(syncFD, what: "\"go\"")) == "go" else { return 125 }
    sys.close(syncFD)
    do {
        try sys.setCloseOnExec(errorFD)
    } catch {
        return report(SandboxFailure.setup("fcntl", "error pipe", error as! Errno, index: nil))
    }
    if plan.trace {
        traceLine("Running in child \(seedArguments(argv)) as \(getpid())")
    }
    let stepSys: Syscalls = plan.trace && sys is LinuxSyscalls ? TracingSyscalls(sys) : sys
    var commandEnvironment = environment
    if let failure = childApplySteps(plan, sys: stepSys, environment: &commandEnvironment) {
        return report(failure)
    }
    do {
        try childCloseInheritedFDs(keeping: errorFD, sys: sys)
    } catch {
        return report((error as! StepError).failure(index: nil))
    }
    let exec = { () -> SandboxFailure? in
        if let user = plan.user {
            do {
                try childSetUser(user, inUserNamespace: plan.namespaces.contains(.user),
                                 sys: stepSys)
            } catch {
                return (error as! StepError).failure(index: nil)
            }
        }
        return childExecCommand(argv, environment: commandEnvironment, sys: sys)
    }
    if childNeedsInit(plan) && sys is LinuxSyscalls {
        if childCanSpawn(plan, argv) {
            childSpawnInit(argv, environment: commandEnvironment, errorFD: errorFD)
        }
        childRunInit(exec: exec, errorFD: errorFD)
    }
    if childNeedsInit(plan), let recorder = sys as? RecordingSyscalls {
        recorder.calls.append(childCanSpawn(plan, argv)
            ? "child: fork() = 2 (posix_spawn, a vfork; the child stays PID 1: reaps, forwards signals)"
            : "child: fork() = 2 (the child stays PID 1: reaps, forwards signals)")
        recorder.side = "command"
    }
    if sys is LinuxSyscalls { resetSignalsForCommand() }
    if let failure = exec() { return report(failure) }
    return 0
}

/// The plan's steps, in the order written: one loop, one switch (bubblewrap's
/// setup_newroot). The first failure stops it; later steps are not applied.
func childApplySteps(_ plan: Plan, sys: Syscalls,
                     environment: inout CommandEnvironment) -> SandboxFailure? {
    do {
        try childMakeRootPrivate(plan: plan, sys: sys)
    } catch {
        let index = plan.steps.firstIndex { $0.action.mounts }
        return (error as! StepError).failure(index: index)
    }
    let hostDevices: [Int: [Int32]]
    do {
        hostDevices = try childCloneHostDevices(plan, sys: sys)
    } catch {
        return error as? SandboxFailure
    }
    for (index, planStep) in plan.steps.enumerated() {
        do {
            switch planStep.action {
            case .setHostname(let name):
                try childSetHostname(name, plan: plan, sys: sys)
            case .setDomainname(let name):
                try childSetDomainname(name, plan: plan, sys: sys)
            case .mount(let mount):
                try childMount(mount, plan: plan, hostDevices: hostDevices[index] ?? [], sys: sys)
            case .umount(let target):
                try childUmount(target, plan: plan, sys: sys)
            case .chroot(let directory):
                try childChroot(directory, sys: sys)
            case .pivotRoot(let directory):
                try childPivotRoot(directory, plan: plan, sys: sys)
            case .chdir(let directory):
                try childChdir(directory, sys: sys)
            case .setEnv(let name, let value):
                environment.set(name, value)
            case .unsetEnv(let name):
                environment.unset(name)
            case .clearEnv:
                environment.clear()
            case .rlimit(let limit):
                try childSetResourceLimit(limit, sys: sys)
            case .capDrop(let caps):
                try childDropCapabilities(caps, sys: sys)
            case .capKeep(let caps):
                try childKeepCapabilities(caps, sys: sys)
            case .noNewPrivs:
                try childSetNoNewPrivs(sys: sys)
            case .netUp(let interface):
                try childNetUp(interface, plan: plan, sys: sys)
            }
        } catch let error as StepError {
            return error.failure(index: index)
        } catch {
            return SandboxFailure(stepIndex: index, step: "step", errno: EINVAL,
                                  message: "\(error)", status: 125)
        }
    }
    return nil
}

/// Writes the one failure record; the parent rebuilds it (Protocol.swift).
func childReport(_ failure: SandboxFailure, errorFD: Int32, sys: Syscalls = LinuxSyscalls()) {
    try? sys.write(errorFD, FailureRecord.encode(failure), what: "the failure")
}
