#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The child: `/proc/self/exe __cfsh_child PLAN_FD SYNC_FD ERROR_FD [STOP_FD]`, already in its new
// namespaces (see Protocol.swift); a held run (`step`, Stepping.swift) adds
// `STOP_FD|- HOLD_FD REPORT_FD`. No Foundation on this path: it runs once per sandbox.

func childMainFromArgv(_ argc: Int32,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Never {
    guard argc == 5 || argc == 6 || argc == 8, let planFD = fdArgument(argv[2]), let syncFD = fdArgument(argv[3]),
          let errorFD = fdArgument(argv[4]) else {
        let usage = "cfsh: " + Sandbox.childVerb + " is internal: cfsh runs it itself\n"
        _ = usage.withCString { Glibc.write(2, $0, strlen($0)) }
        exit(2)
    }
    // The command's environment starts as this process's own: it is copied into Swift
    // strings only if a step changes it (CommandEnvironment.inherited).
    // The init's stop pipe (Jobs.swift), interactive only.
    let stopFD = argc >= 6 ? fdArgument(argv[5]) ?? -1 : -1
    // `step`: held after each step (Stepping.swift).
    let hold = argc == 8 ? fdArgument(argv[6]).flatMap { holdFD in
        fdArgument(argv[7]).map { StepHold(holdFD: holdFD, reportFD: $0) }
    } : nil
    let status = childRun(kernel: LinuxKernel(), planFD: planFD, syncFD: syncFD,
                          errorFD: errorFD, stopFD: stopFD, environment: .inherited, hold: hold)
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

/// The plan text, kept until the child exits instead of freed once decoded. Freeing a
/// String of 64 bytes or more makes the standard library destroy its UTF-16 breadcrumbs
/// slot through the runtime, which demangles the type `_StringBreadcrumbs?` by name and,
/// the first time, registers every specialisation of Optional the standard library
/// ships (some 40k instructions: scripts/metadata-floor's long-string); the plan text is
/// the only String that large the child frees before its command starts (issue 13).
private var planTextKeptUntilExit = ""

/// Reads the plan, waits for "go", applies the steps and execs the command. Returns the
/// status to exit with: when something failed (the failure is already on the error
/// pipe), when the init's command has exited, or when the kernel merely records.
func childRun(kernel: any Kernel, planFD: Int32, syncFD: Int32, errorFD: Int32, stopFD: Int32 = -1,
              environment: CommandEnvironment, hold: StepHold? = nil) -> Int32 {
    let report = { (failure: SandboxFailure) -> Int32 in
        childReport(failure, errorFD: errorFD, kernel: kernel)
        return failure.status
    }
    let plan: Plan, argv: [String]
    do {
        let text = try kernel.readAll(planFD)
        planTextKeptUntilExit = text
        kernel.close(planFD)
        do {
            (plan, argv) = try decodeRun(text)
        } catch {
            return report(SandboxFailure(stepIndex: nil, step: "plan", errno: EINVAL,
                                         message: "plan: the child could not read it: "
                                             + error.description, status: 125))
        }
    } catch {
        return report(SandboxFailure.setup("plan", "the child could not read it", error, index: nil))
    }
    // Anything but "go" (EOF) means the parent gave up: nobody is listening.
    guard (try? kernel.readAll(syncFD)) == "go" else { return 125 }
    kernel.close(syncFD)
    do {
        try kernel.setCloseOnExec(errorFD)
        if stopFD >= 0 { try kernel.setCloseOnExec(stopFD) }
    } catch {
        return report(SandboxFailure.setup("fcntl", "error pipe", error, index: nil))
    }
    // `set trace on`: every call of the steps is shown before it is made.
    let stepKernel: any Kernel = plan.trace ? TracingKernel(kernel) : kernel
    if plan.trace {
        try? kernel.write(2, "Running in child " + talkArguments(argv) + " as "
                             + String(kernel.getpid()) + "\n")
    }
    var commandEnvironment = environment
    if let failure = childApplySteps(plan, kernel: stepKernel, environment: &commandEnvironment, hold: hold) {
        return report(failure)
    }
    do {
        try childCloseInheritedFDs(keeping: errorFD, also: stopFD, kernel: kernel)
    } catch {
        return report(error)
    }
    let exec = { () -> SandboxFailure? in
        if let user = plan.user {
            do throws(SandboxFailure) {
                try childSetUser(user, inUserNamespace: plan.namespaces.contains(.user),
                                 kernel: stepKernel)
            } catch {
                return childNamingUnmappedRoot(error, plan: plan)
            }
        }
        return childExecCommand(argv, environment: commandEnvironment, kernel: kernel)
    }
    if childNeedsInit(plan) {
        if childCanSpawn(plan, argv) {
            return childSpawnInit(argv, environment: commandEnvironment, errorFD: errorFD,
                                  stopFD: stopFD, kernel: kernel)
        }
        return childRunInit(exec: exec, errorFD: errorFD, stopFD: stopFD, kernel: kernel)
    }
    _ = kernel.perform(always: .resetSignalsForCommand)
    if let failure = exec() { return report(failure) }
    return 0
}

/// The plan's steps, in the order written: one loop, one switch (bubblewrap's
/// setup_newroot). The first failure stops it; later steps are not applied.
func childApplySteps(_ plan: Plan, kernel: any Kernel,
                     environment: inout CommandEnvironment, hold: StepHold? = nil) -> SandboxFailure? {
    defer { kernel.stepStarts(nil) }
    // Made private for the first step that mounts, and its failure is that step's.
    let firstMount = plan.steps.firstIndex { $0.action.mounts }
    kernel.stepStarts(firstMount)
    do {
        try childMakeRootPrivate(plan: plan, kernel: kernel)
    } catch {
        return childNamingUnmappedRoot(error.at(firstMount), plan: plan)
    }
    let hostDevices: [Int: [Int32]]
    do {
        hostDevices = try childCloneHostDevices(plan, kernel: kernel)
    } catch {
        return error
    }
    var roots = RootsAhead(plan.steps)
    for (index, planStep) in plan.steps.enumerated() {
        kernel.stepStarts(index)
        do throws(SandboxFailure) {
            switch planStep.action {
            case .setHostname(let name):
                try childSetHostname(name, plan: plan, kernel: kernel)
            case .setDomainname(let name):
                try childSetDomainname(name, plan: plan, kernel: kernel)
            case .mount(let mount):
                try childMount(mount, plan: plan, hostDevices: hostDevices[index] ?? [],
                               futureRoot: roots.next(after: index), kernel: kernel)
            case .umount(let target):
                try childUmount(target, plan: plan, kernel: kernel)
            case .chroot(let directory):
                try childChroot(directory, kernel: kernel)
            case .pivotRoot(let directory):
                try childPivotRoot(directory, plan: plan, kernel: kernel)
            case .chdir(let directory):
                try childChdir(directory, kernel: kernel)
            case .setEnv(let name, let value):
                environment.set(name, value)
            case .unsetEnv(let name):
                environment.unset(name)
            case .clearEnv:
                environment.clear()
            case .rlimit(let limit):
                try childSetResourceLimit(limit, kernel: kernel)
            case .capDrop(let caps):
                try childDropCapabilities(caps, kernel: kernel)
            case .capKeep(let caps):
                try childKeepCapabilities(caps, kernel: kernel)
            case .noNewPrivs:
                try childSetNoNewPrivs(kernel: kernel)
            case .netUp(let interface):
                try childNetUp(interface, plan: plan, kernel: kernel)
            }
        } catch {
            return childNamingUnmappedRoot(error.at(index), plan: plan)
        }
        if let hold, !hold.after(index, kernel: kernel) { return StepHold.aborted(at: index) }
    }
    return nil
}

/// The directory of the first `chroot` or `pivot_root` after a step: the root a mount
/// made before it must stay in (Mounts.swift, childRefuseTargetLeavingRoot). Asked for
/// steps in the order applied, it looks at each step at most once in all: a scan of the
/// rest of the plan for every mount made N mounts quadratic (10,000 `mount` lines spent
/// most of the child's own time there: issue 13, item 7).
struct RootsAhead {
    private let steps: List<PlanStep>
    /// The index of the root step found last (steps.count: none), and its directory.
    private var at = -1
    private var directory: String?
    /// Steps looked at so far (the linearity test reads it).
    private(set) var examined = 0

    init(_ steps: List<PlanStep>) { self.steps = steps }

    /// `index` must not decrease from one call to the next.
    mutating func next(after index: Int) -> String? {
        guard at <= index else { return directory }
        directory = nil
        at = index + 1
        while at < steps.count {
            examined += 1
            if case .chroot(let root) = steps[at].action { directory = root; break }
            if case .pivotRoot(let root) = steps[at].action { directory = root; break }
            at += 1
        }
        return directory
    }
}

/// Writes the one failure record; the parent rebuilds it (Protocol.swift).
func childReport(_ failure: SandboxFailure, errorFD: Int32, kernel: any Kernel) {
    try? kernel.write(errorFD, FailureRecord.encode(failure))
}
