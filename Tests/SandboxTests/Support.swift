import CFSLanguage
@testable import Sandbox

let here = SourceLocation(file: "t.cfs", line: 1, column: 1)

/// A plan from its parts, written the way the language would build it.
func makePlan(_ namespaces: Namespaces = [], _ steps: [Step] = [], user: UserIDs? = nil,
              initProcess: Bool = true) -> Plan {
    var plan = Plan()
    plan.namespaces = namespaces
    plan.initProcess = initProcess
    plan.user = user
    plan.steps = List(steps.enumerated().map {
        PlanStep($0.element, at: SourceLocation(file: "t.cfs", line: $0.offset + 1, column: 1))
    })
    return plan
}

/// Runs the child's apply loop against a recorder; returns (failure, syscall lines, env).
func apply(_ plan: Plan, environment: [String] = ["PATH=/bin"],
           configure: (RecordingKernel) -> Void = { _ in })
    -> (failure: SandboxFailure?, calls: [String], environment: CommandEnvironment)
{
    let sys = RecordingKernel()
    configure(sys)
    var env = CommandEnvironment(environment)
    let failure = childApplySteps(plan, kernel: sys, environment: &env)
    return (failure, sys.syscalls, env)
}

/// The last line that is not the parent putting its signal handling back (which it does
/// once the child is reaped).
func lastBeforeSignalsRestored(_ lines: [String]) -> String? {
    lines.last { !$0.contains("rt_sigaction") }
}

func mountStep(_ kind: Mount.Kind, _ target: String, source: String? = nil,
               _ options: [String] = []) -> Step {
    .mount(Mount(kind: kind, source: source, target: target, options: options))
}
