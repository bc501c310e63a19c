#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

// Job control for sandboxes (issue 10), as sh does it for processes: Ctrl-Z during
// `exec` stops the sandbox and returns here; `jobs`, `fg`, `bg`; `quit` with jobs warns
// once, and leaving ends them. The engine's side (the wait with WUNTRACED, the init's
// stop pipe, the hangup) is Sandbox/Jobs.swift; this keeps the list and talks.

/// One sandbox the shell has not finished: what `exec` ran, and where, for messages.
struct Job {
    var number = 0
    var text: String
    var plan: Plan
    var location: SourceLocation
    var sandbox: RunningSandbox?
    var running = false

    init(text: String, plan: Plan, location: SourceLocation) {
        self.text = text
        self.plan = plan
        self.location = location
    }

    /// `[1] stopped  exec sleep 100  (sandbox PID 4242)`
    var line: String {
        "[\(number)] \(running ? "running" : "stopped")  \(text)  (sandbox PID \(sandbox?.pid ?? 0))\n"
    }
}

/// The shell's jobs, in the order they were made; a class so that the shell's loop and
/// `Session.run` share one list (only the interactive shell makes one).
final class JobTable {
    var jobs: [Job] = []
    /// `quit` with jobs warns once; the next `quit` ends them.
    var warned = false

    /// The job `number`, or the latest (sh's "current job").
    func index(of number: Int?) -> Int? {
        guard let number else { return jobs.indices.last }
        return jobs.firstIndex { $0.number == number }
    }
}

extension Session {
    /// What became of a sandbox run in the foreground (`exec`, `fg`): stopped, it is
    /// kept as a job; ended, its failure is reported and its status is `$?`.
    mutating func finish(_ outcome: RunOutcome, job: Job) {
        var job = job
        switch outcome {
        case .stopped(let sandbox):
            job.sandbox = sandbox
            job.running = false
            if let table = jobs {
                if job.number == 0 { job.number = (table.jobs.map(\.number).max() ?? 0) + 1 }
                if let at = table.jobs.firstIndex(where: { $0.number == job.number }) {
                    table.jobs[at] = job
                } else {
                    table.jobs.append(job)
                }
                table.warned = false
            }
            // The terminal echoed `^Z` and left the cursor after it.
            Output.err("\n" + job.line)
        case .failed(let failure):
            report([diagnostic(for: failure, plan: job.plan, exec: job.location)])
        case .killedByMemoryLimit(let kills):
            let limit = job.plan.limits.memoryBytes.map { " of " + sizeText($0) } ?? ""
            report([Diagnostic("the command was killed (SIGKILL, status 137): its 'limit memory'\(limit) was reached; the kernel's OOM killer ended \(kills) process\(kills == 1 ? "" : "es") in the sandbox's cgroup",
                               at: job.location, fix: "raise 'limit memory', or make the command use less")])
        default:
            // At a terminal, a command ended by Ctrl-C leaves the cursor after `^C`:
            // start the prompt on a line of its own, as bash does.
            if terminalFD != nil, outcome.status == 128 + SIGINT { Output.err("\n") }
        }
        lastStatus = outcome.status
    }

    /// Before each prompt: background sandboxes that stopped or ended since, said as sh
    /// says them (`[1] done  exec sleep 1`).
    mutating func noticeJobs() {
        guard let table = jobs else { return }
        var index = 0
        while index < table.jobs.count {
            let job = table.jobs[index]
            guard job.running, let sandbox = job.sandbox, let outcome = sandbox.poll() else {
                index += 1
                continue
            }
            if case .stopped = outcome {
                table.jobs[index].running = false
                Output.err(table.jobs[index].line)
                index += 1
                continue
            }
            table.jobs.remove(at: index)
            if case .failed(let failure) = outcome {
                report([diagnostic(for: failure, plan: job.plan, exec: job.location)])
            }
            Output.err("[\(job.number)] done (status \(outcome.status))  \(job.text)\n")
        }
    }

    func listJobs() {
        guard let table = jobs else { return }
        for job in table.jobs { Output.out(job.line) }
    }

    mutating func foreground(_ number: Int?) {
        guard let (table, index) = job(number, for: "fg"), let sandbox = table.jobs[index].sandbox else { return }
        let job = table.jobs.remove(at: index)
        Output.err(job.text + "\n")
        finish(sandbox.continueInForeground(), job: job)
    }

    mutating func background(_ number: Int?) {
        guard let (table, index) = job(number, for: "bg"), let sandbox = table.jobs[index].sandbox else { return }
        if table.jobs[index].running {
            Output.err("bg: job \(table.jobs[index].number) is already running in the background\n")
            lastStatus = 1
            return
        }
        sandbox.continueInBackground()
        table.jobs[index].running = true
        Output.err(table.jobs[index].line)
        lastStatus = 0
    }

    /// The job a `fg` or `bg` means, or nil after saying why.
    private mutating func job(_ number: Int?, for command: String) -> (JobTable, Int)? {
        noticeJobs()
        guard let table = jobs, let index = table.index(of: number) else {
            Output.err(number.map { "\(command): no job \($0) ('jobs' lists them)\n" }
                       ?? "\(command): no sandbox is stopped or in the background\n")
            lastStatus = 1
            return nil
        }
        return (table, index)
    }

    /// `quit`/`exit` with jobs: the first one only warns (sh's "There are stopped jobs").
    mutating func warnedAboutJobs() -> Bool {
        noticeJobs()
        guard let table = jobs, !table.jobs.isEmpty, !table.warned else { return false }
        table.warned = true
        let stopped = table.jobs.contains { !$0.running }
        Output.err("cfsh: there are \(stopped ? "stopped" : "background") sandboxes ('jobs' lists them);"
                   + " quit again to end them\n")
        return true
    }

    /// Leaving the shell: every job is hung up, continued, waited for and its cgroups
    /// removed (RunningSandbox.end), so nothing of the session is left.
    mutating func endJobs() {
        guard let table = jobs else { return }
        for job in table.jobs { _ = job.sandbox?.end() }
        table.jobs = []
    }
}
