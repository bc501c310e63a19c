#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// `step` (issue 12, item 2): the plan run with the child held after each step, so that
// the person can look at the sandbox from the host between steps (`nsenter -t PID`,
// /proc/PID/mountinfo, `verify PID`). A protocol addition (Protocol.swift draws it):
// two more pipes, opened only for a held run, so that a normal run — and `explain`,
// which runs the same code against the recording kernel — does not change:
//
//     parent                                        child (after each step it applied)
//     read(report) ◀══ "s" ═════════════════════    R: one byte: "step INDEX applied"
//     onStep(INDEX, pid) → next | continue | abort
//     write(hold, "n") ═══════════════════════════▶ H: read one byte: "n" hold after the next
//     write(hold, "c") ═══════════════════════════▶    "c" no more holds
//     close(hold) ════════════════════════════════▶    EOF: abort — report "step INDEX:
//                                                       aborted", exit 125; the parent waits
//                                                       and tears down as after any failure
//     read(report) = EOF: the child closed it with its inherited fds before execve
//
// The child's steps are applied in the same loop (childApplySteps) with a hook after
// each; the indices are counted by the parent (the steps are applied in order).

/// Where a held run stopped: the plan step just applied, and the parent's child (the
/// sandbox's init, or the command-to-be), as the host numbers it.
public struct HeldStep: Sendable {
    public var index: Int
    public var pid: pid_t
}

public enum StepAnswer: Sendable {
    case next, continueRun, abort
}

/// The child's side: after each step, "s" on the report pipe, then wait for the answer.
final class StepHold {
    let holdFD: Int32
    let reportFD: Int32
    private var holding = true

    init(holdFD: Int32, reportFD: Int32) {
        self.holdFD = holdFD
        self.reportFD = reportFD
    }

    /// false: abort (the parent closed the hold pipe).
    func after(_ index: Int, kernel: any Kernel) -> Bool {
        guard holding else { return true }
        try? kernel.write(reportFD, "s")
        let answer = (try? kernel.perform(.readSome(fd: holdFD, wait: true)).text) ?? ""
        if answer == "c" { holding = false }
        return answer == "n" || answer == "c"
    }

    static func aborted(at index: Int) -> SandboxFailure {
        SandboxFailure(stepIndex: index, step: "abort", errno: ECANCELED,
                       message: "step: aborted after this step; the sandbox is torn down", status: 125)
    }
}

/// The parent's side, between "go" and the error pipe: one answer per held step.
/// Returns when the child has closed the report pipe (its steps are done, or one
/// failed), after "continue", or at "abort" (the caller then closes the hold pipe).
func parentDriveSteps(pid: pid_t, holdFD: Int32, reportFD: Int32,
                      onStep: (HeldStep) -> StepAnswer, kernel: any Kernel) {
    var index = 0
    while (try? kernel.perform(.readSome(fd: reportFD, wait: true)).text) == "s" {
        switch onStep(HeldStep(index: index, pid: pid)) {
        case .next:
            if (try? kernel.write(holdFD, "n")) == nil { return }
        case .continueRun:
            try? kernel.write(holdFD, "c")
            return
        case .abort:
            return
        }
        index += 1
    }
}
