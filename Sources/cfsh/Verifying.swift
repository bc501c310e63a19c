#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

// `verify [PID]` and `set verify on` in the session (the checks: Sandbox/Verify.swift).
//
// `verify PID` looks at any running process. `verify` alone builds the plan's sandbox
// with `sleep 3600` as its command — a real exec'd command, so what is checked is what a
// command gets (capabilities after execve, `set user`, the fds it is left with), which a
// child held before its execve would not show — checks it once `sleep` runs, then
// SIGKILLs it and the run is torn down as every run is (cgroup removed). A plan whose
// root has no `sleep` is refused by the checker (Compile.swift).
//
// `set verify on`: each `exec`'s sandbox is checked once its command has exec'd (the
// error pipe's EOF) while it runs. A command that ends at once may be gone by then: the
// table is replaced by one line saying so, and the status is the command's. When a row
// is ✗, a command that exited 0 leaves `$?` at 1, so that a script can fail on it. What
// the command has itself done by then (a file it opened, a hostname it set) is found as
// it is: the check is of the running process. (`verify` alone waits until its `sleep`
// sleeps, past the C library's start-up.)

/// What `set verify on` found for one exec, filled in while the command runs.
final class VerifyResult: @unchecked Sendable {
    var report: VerifyReport?
}

extension Session {
    mutating func verify(_ plan: Plan, pid: Int32?, argv: [String], location: SourceLocation) {
        let plannedRoot = Sandbox.plannedRoot(of: plan)
        if let pid {
            let report = Sandbox.verify(pid: pid, plan: plan, plannedRoot: plannedRoot)
            Output.out(report.text)
            lastStatus = report.passed ? 0 : 1
            return
        }
        let (built, outcome) = Sandbox.verifyBuilt(plan, argv: argv, plannedRoot: plannedRoot)
        if case .failed(let failure) = outcome {
            report([diagnostic(for: failure, plan: plan, exec: location)])
            lastStatus = failure.status
            return
        }
        guard let report = built else {
            Output.err("verify: the sandbox ended before it could be checked (" + describe(outcome) + ")\n")
            lastStatus = 1
            return
        }
        Output.out(report.text)
        lastStatus = report.passed ? 0 : 1
    }

    /// Installs the check that runs once the command has exec'd.
    func verifyWhileRunning(_ plan: Plan, argv: [String], options: inout RunOptions) -> VerifyResult {
        let result = VerifyResult()
        let plannedRoot = Sandbox.plannedRoot(of: plan)
        options.whileRunning = { pid in
            guard let command = Sandbox.commandProcess(of: pid, plan: plan) else { return }
            waitUntilStarted(command)
            result.report = Sandbox.verify(pid: command, plan: plan, plannedRoot: plannedRoot)
        }
        return result
    }

    mutating func finishVerifying(_ result: VerifyResult, outcome: RunOutcome) {
        if case .failed = outcome { return }
        guard let report = result.report, report.problem == nil else {
            Output.err("verify: the command ended before its sandbox could be checked\n")
            return
        }
        Output.err(report.text)
        if !report.passed && lastStatus == 0 { lastStatus = 1 }
    }

    private func describe(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .exited(let code): return "exit status " + String(code)
        case .signaled(let signal): return "signal " + String(signal)
        default: return "status " + String(outcome.status)
        }
    }
}
