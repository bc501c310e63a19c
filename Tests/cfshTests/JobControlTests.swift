import Foundation
import Testing

/// Job control for sandboxes (issue 10, item 1), through a real pseudo-terminal: Ctrl-Z
/// returns to the prompt with the job line, `jobs`, `fg`, `bg` work, and `quit` twice
/// leaves no process, stopped or not. Part of InteractiveShellTests (serialized, root).
extension InteractiveShellTests {
    /// The sandbox PIDs in the job lines on the screen.
    func jobPIDs(_ screen: String) -> Set<pid_t> {
        Set(screen.split(separator: "\n").compactMap { line -> pid_t? in
            guard let range = line.range(of: "(sandbox PID ") else { return nil }
            return pid_t(line[range.upperBound...].prefix { $0.isNumber })
        })
    }

    /// `State:` of /proc/PID/status: "T (stopped)", "S (sleeping)"; "" once it is gone.
    func state(_ pid: pid_t) -> String {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix("State:") }
            .map { String($0.dropFirst("State:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
    }

    /// Whatever the test saw, no sandbox of it survives it: SIGCONT and SIGKILL by PID.
    func killLeftovers(_ pids: Set<pid_t>) {
        for pid in pids where !state(pid).isEmpty && !state(pid).hasPrefix("Z") {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
    }

    /// Ctrl-Z, then within a second the job line and the prompt; returns the screen and
    /// how long it took.
    func stopWithCtrlZ(_ shell: TmuxSession, job: Int, prompt: String) throws -> (String, Double) {
        let start = Date()
        try shell.key("C-z")
        let screen = try shell.waitFor("job line and prompt", timeout: 1) {
            $0.contains("[\(job)] stopped  exec sleep 100  (sandbox PID ")
                && $0.split(separator: "\n").last == Substring(prompt)
        }
        return (screen, Date().timeIntervalSince(start))
    }

    func jobControl(unshare: String, prompt: String) throws {
        var seen: Set<pid_t> = []
        defer { killLeftovers(seen) }
        try withShell { shell, _ in
            try shell.type("unshare " + unshare)
            try shell.type("exec sleep 100")
            usleep(300_000)
            let (screen, latency) = try stopWithCtrlZ(shell, job: 1, prompt: prompt)
            print("Ctrl-Z to prompt (\(unshare)): \(Int(latency * 1000)) ms")
            seen = jobPIDs(screen)
            guard let pid = seen.first else { Issue.record("no PID in \(screen)"); return }
            #expect(state(pid).hasPrefix("T"), "the sandbox is stopped")
            // A stopped sandbox can be looked at from the host: its namespaces differ.
            let uts = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/uts")) ?? ""
            #expect(!uts.isEmpty && uts != (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/uts")))

            try shell.type("jobs")
            try shell.waitFor("jobs line") { $0.split(separator: "\n").filter { $0.hasPrefix("[1] stopped  exec sleep 100") }.count == 2 }

            // bg: it runs on in the background; the prompt stays.
            try shell.type("bg")
            try shell.waitFor("[1] running  exec sleep 100  (sandbox PID \(pid))")
            try shell.waitFor("running state") { _ in self.state(pid).hasPrefix("S") }
            try shell.type("print still the prompt")
            try shell.waitFor("prompt works") { $0.split(separator: "\n").contains("still the prompt") }

            // fg: in the foreground again; Ctrl-Z stops it again; fg and Ctrl-C end it.
            try shell.type("fg 1")
            try shell.waitFor("fg echoes the job") { $0.split(separator: "\n").last == "exec sleep 100" }
            usleep(200_000)
            _ = try stopWithCtrlZ(shell, job: 1, prompt: prompt)
            try shell.type("fg")
            usleep(300_000)
            try shell.key("C-c")
            try shell.waitFor("prompt after ^C") { $0.split(separator: "\n").last == Substring(prompt) }
            try shell.waitFor("the sandbox is gone") { _ in self.state(pid).isEmpty }
            try shell.type("jobs")
            try shell.type("print no jobs left")
            try shell.waitFor("no jobs") {
                $0.contains("no jobs left") && !$0.split(separator: "\n").suffix(3).contains { $0.hasPrefix("[1]") }
            }

            // quit with a stopped and a background sandbox: a warning, then both end.
            try shell.type("exec sleep 100")
            usleep(300_000)
            let (first, _) = try stopWithCtrlZ(shell, job: 1, prompt: prompt)
            try shell.type("bg")
            try shell.type("exec sleep 100")
            usleep(300_000)
            let (second, _) = try stopWithCtrlZ(shell, job: 2, prompt: prompt)
            seen.formUnion(jobPIDs(first))
            seen.formUnion(jobPIDs(second))
            try shell.type("quit")
            try shell.waitFor("there are stopped sandboxes ('jobs' lists them); quit again to end them")
            #expect(!shell.paneIsDead)
            try shell.type("quit")
            try shell.waitFor("exit", timeout: 5) { _ in shell.paneIsDead }
            for pid in seen {
                #expect(state(pid).isEmpty, "sandbox \(pid) left behind: \(state(pid))")
            }
        }
    }

    @Test func ctrlZStopsTheSandboxAndJobsFgBgQuitFinishIt() throws {
        try jobControl(unshare: "uts", prompt: "cfs[uts]>")
    }

    /// With an init (PID 1 ignores Ctrl-Z): the init says the command stopped and the
    /// parent stops it.
    @Test func ctrlZStopsASandboxWithAnInit() throws {
        try jobControl(unshare: "uts pid", prompt: "cfs[uts pid]>")
    }

    @Test func ctrlDEndsStoppedSandboxesToo() throws {
        var seen: Set<pid_t> = []
        defer { killLeftovers(seen) }
        try withShell { shell, _ in
            try shell.type("unshare uts pid")
            try shell.type("exec sleep 100")
            usleep(300_000)
            let (screen, _) = try stopWithCtrlZ(shell, job: 1, prompt: "cfs[uts pid]>")
            seen = jobPIDs(screen)
            try shell.key("C-d")
            try shell.waitFor("exit", timeout: 5) { _ in shell.paneIsDead }
            for pid in seen { #expect(state(pid).isEmpty, "sandbox \(pid) left behind") }
        }
    }

    @Test func fgAndBgWithoutJobsSaySo() throws {
        try withShell { shell, _ in
            try shell.type("fg")
            try shell.waitFor("fg: no sandbox is stopped or in the background")
            try shell.type("bg 3")
            try shell.waitFor("bg: no job 3 ('jobs' lists them)")
        }
    }
}
