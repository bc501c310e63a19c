import CFSLanguage
@testable import Sandbox

let here = SourceLocation(file: "t.cfs", line: 1, column: 1)

/// A plan from its parts, written the way the language would build it.
func makePlan(_ namespaces: Set<Namespace> = [], _ steps: [Step] = [], user: UserIDs? = nil,
              initProcess: Bool = true) -> Plan {
    var plan = Plan()
    plan.namespaces = namespaces
    plan.initProcess = initProcess
    plan.user = user
    plan.steps = steps.enumerated().map {
        PlanStep($0.element, at: SourceLocation(file: "t.cfs", line: $0.offset + 1, column: 1))
    }
    return plan
}

/// Runs the child's apply loop against a recorder; returns (failure, syscall lines, env).
func apply(_ plan: Plan, environment: [String] = ["PATH=/bin"],
           configure: (RecordingSyscalls) -> Void = { _ in })
    -> (failure: SandboxFailure?, calls: [String], environment: CommandEnvironment)
{
    let sys = RecordingSyscalls()
    configure(sys)
    var env = CommandEnvironment(environment)
    let failure = childApplySteps(plan, sys: sys, environment: &env)
    return (failure, sys.syscalls, env)
}

func mountStep(_ kind: Mount.Kind, _ target: String, source: String? = nil,
               _ options: [String] = []) -> Step {
    .mount(Mount(kind: kind, source: source, target: target, options: options))
}
