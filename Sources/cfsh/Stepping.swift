#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

// `step CMD ARGS...` in the session (the protocol: Sandbox/Stepping.swift). The run is
// `exec`'s, with the child held after each step; cfsh prints the step, its source line
// and the sandbox's PID, and reads the answer — `next` (or Enter), `continue`, `abort` —
// from the terminal (/dev/tty), in the interactive shell and in scripts alike; without
// a terminal, from standard input. No answer (EOF) is `abort`: nothing is left running.
//
// The terminal is not handed to the sandbox during a held run: cfsh needs it for the
// answers. So a stepped command runs in cfsh's process group, as a script's do, and
// Ctrl-Z does not make it a job.

extension Session {
    mutating func step(_ plan: Plan, argv: [String], location: SourceLocation) {
        var options = RunOptions()
        let verified = verifyEachExec ? verifyWhileRunning(plan, argv: argv, options: &options) : nil
        let sources = self.sources
        options.onStep = { held in
            let planStep = plan.steps[held.index]
            let at = planStep.location
            let line = sources[at.file].flatMap { $0.indices.contains(at.line - 1) ? $0[at.line - 1] : nil }
            let pid = String(held.pid)
            Output.err("step " + String(held.index + 1) + " of " + String(plan.steps.count) + " applied: "
                       + planStep.action.canonicalText + "\n"
                       + "  " + at.file + ":" + String(at.line) + ":" + String(at.column) + ": " + (line ?? "") + "\n"
                       + "  sandbox PID " + pid + " (from the host: nsenter -t " + pid + " -a, cat /proc/" + pid
                       + "/mountinfo, verify " + pid + ")\n")
            return askStepAnswer()
        }
        let outcome = Sandbox.run(plan, argv: argv, options: options)
        if case .failed(let failure) = outcome, failure.step == "abort" {
            let index = failure.stepIndex ?? 0
            let at = plan.steps.indices.contains(index) ? plan.steps[index].location : location
            Output.err("step: aborted after step " + String(index + 1) + " (" + at.file + ":" + String(at.line) + ":"
                       + String(at.column) + "); the sandbox is torn down\n")
            lastStatus = failure.status
            return
        }
        finish(outcome, job: Job(text: "step " + argv.joined(separator: " "), plan: plan, location: location))
        if let verified { finishVerifying(verified, outcome: outcome) }
    }
}

/// Asks until it gets an answer; EOF or a read error is `abort`.
private func askStepAnswer() -> StepAnswer {
    let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
    let input = tty >= 0 ? tty : 0
    defer { if tty >= 0 { close(tty) } }
    while true {
        Output.err("next, continue or abort? [n/c/a] ")
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var ended = false
        while true {
            let n = read(input, &byte, 1)
            if n <= 0 { ended = true; break }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        let answer = String(decoding: bytes, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        switch answer {
        case "", "n", "next": if ended && bytes.isEmpty { return .abort } else { return .next }
        case "c", "continue": return .continueRun
        case "a", "abort": return .abort
        default: Output.err("answer next (n, or Enter), continue (c) or abort (a)\n")
        }
        if ended { return .abort }
    }
}
