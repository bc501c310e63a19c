import Testing
@testable import CFSLanguage

/// `verify [PID]`, `set verify on|off` and `step CMD...`: what they parse to, their
/// errors, and the actions they compile to (a setting of the session, not of the plan).
@Suite struct VerifyStepParsingTests {
    @Test func theyParse() {
        #expect(kinds("verify; verify 42; set verify on; set verify off; step /bin/sh -c x") == [
            .verify(pid: nil), .verify(pid: 42), .setVerify(true), .setVerify(false), .step(["/bin/sh", "-c", "x"]),
        ])
    }

    @Test func theirErrorsPointAtTheWord() {
        #expect(firstError("verify abc") == "1:8: 'verify' takes a process ID, not 'abc'")
        #expect(firstError("verify 1 2") == "1:10: unexpected argument '2' to 'verify'")
        #expect(firstError("set verify maybe")?.hasPrefix("1:12: unknown value 'maybe' for 'set verify'") == true)
        #expect(firstError("step") == "1:1: 'step' needs a command to run")
    }

    @Test func setVerifyIsNotPartOfThePlan() {
        let result = compiled("unshare uts; set verify on; set hostname c")
        #expect(result.diagnostics.isEmpty)
        #expect(result.state.plan.canonicalText == "unshare uts\nset hostname c\n")
        guard case .setVerify(true)? = result.actions.first else {
            Issue.record("\(result.actions)")
            return
        }
    }

    @Test func stepCompilesLikeExecAndExplainDefaultsToIt() {
        let result = compiled("unshare uts; set hostname c; step /bin/true; explain")
        #expect(result.diagnostics.isEmpty)
        guard result.actions.count == 2, case .step(let plan, let argv, let location) = result.actions[0],
              case .explain(_, let explained) = result.actions[1] else {
            Issue.record("\(result.actions)")
            return
        }
        #expect(plan.steps.count == 1 && argv == ["/bin/true"] && location.column == 30)
        #expect(explained == ["/bin/true"])
    }
}
