import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// `step`'s protocol with the recording kernel: the real parent and child code, the
/// child held after each step on its own pipes; a normal run (and so `explain`) has none.
@Suite struct SteppingTests {
    func plan(_ text: String) throws -> Plan { try decodeRun(text + "exec /bin/true\n").plan }

    final class Answers: @unchecked Sendable {
        var given: [StepAnswer]
        var asked: [Int] = []
        init(_ given: [StepAnswer]) { self.given = given }
    }

    /// A held run against the recording kernel; pipes are 3/4 plan, 5/6 sync, 7/8 error,
    /// 9/10 hold, 11/12 report. `childReads`: what the child finds on the hold pipe.
    func heldRun(_ plan: Plan, childReads: String, answers: Answers) -> (RecordingKernel, RunOutcome) {
        let kernel = RecordingKernel()
        kernel.preload(9, childReads)
        kernel.onGo = {
            kernel.process = .child
            _ = childRun(kernel: kernel, planFD: 3, syncFD: 5, errorFD: 8, environment: .inherited,
                         hold: StepHold(holdFD: 9, reportFD: 12))
            kernel.process = .parent
        }
        var options = RunOptions()
        options.onStep = { held in
            answers.asked.append(held.index)
            #expect(held.pid == 4242)
            return answers.given.isEmpty ? .abort : answers.given.removeFirst()
        }
        let outcome = runParent(plan, argv: ["/bin/true"], options: options, kernel: kernel)
        return (kernel, outcome)
    }

    @Test func theChildIsHeldAfterEachStepUntilTheParentAnswers() throws {
        let plan = try plan("unshare uts mount\nset hostname c\nchdir /\nset env A=1\n")
        let answers = Answers([.next, .continueRun])
        let (kernel, outcome) = heldRun(plan, childReads: "nc", answers: answers)
        #expect(outcome == .exited(0))
        #expect(answers.asked == [0, 1])
        let child = kernel.calls.filter { $0.hasPrefix("child: ") }
        let held = child.drop { !$0.contains("sethostname") }.prefix(6)
        #expect(Array(held) == [
            "child: sethostname(\"c\")", "child: write(12, \"s\", 1)", "child: read(9, 1)",
            "child: chdir(\"/\")", "child: write(12, \"s\", 1)", "child: read(9, 1)",
        ], "\(kernel.calls.joined(separator: "\n"))")
        // After "continue", no more holds: set env is applied without one.
        #expect(child.filter { $0.contains("write(12") }.count == 2)
        // The parent answered on the hold pipe and the child got the pipes by argv.
        #expect(kernel.calls.contains("parent: write(10, \"n\", 1)"))
        #expect(kernel.calls.contains("parent: write(10, \"c\", 1)"))
        #expect(kernel.calls.contains { $0.hasPrefix("parent: clone3(") })
        #expect(kernel.calls.filter { $0.hasPrefix("parent: pipe2(O_CLOEXEC)") }.count == 5)
    }

    @Test func abortStopsAfterTheStepAndNothingElseRuns() throws {
        let plan = try plan("unshare uts mount\nset hostname c\nchdir /\n")
        let answers = Answers([.abort])
        let (kernel, outcome) = heldRun(plan, childReads: "", answers: answers)
        guard case .failed(let failure) = outcome else {
            Issue.record("not a failure: \(outcome)")
            return
        }
        #expect(failure.step == "abort" && failure.stepIndex == 0 && failure.status == 125)
        #expect(!kernel.calls.contains { $0.contains("chdir") || $0.contains("execve(\"/bin/true\"") })
        #expect(answers.asked == [0])
    }

    @Test func aNormalRunAndExplainHaveNoHoldPipes() throws {
        let plan = try plan("unshare uts mount\nset hostname c\n")
        let lines = Sandbox.explain(plan, argv: ["/bin/true"])
        #expect(lines.filter { $0.contains("pipe2") }.count == 3, "\(lines)")
        #expect(!lines.contains { $0.contains("write(12") || $0.contains("read(9") })
    }
}
