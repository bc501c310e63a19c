import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// Job control's engine side (issue 10, item 1) against the recording double: the
/// interactive wait ends in a stop with the sandbox as a value, which `fg`, `bg`, `poll`
/// and `end` finish later, and only then are the cgroups removed.
@Suite struct JobTests {
    /// The raw wait status of a process stopped by `signal` (wait(2): WIFSTOPPED).
    func stopped(_ signal: Int32) -> Int32 { (signal << 8) | 0x7f }

    func interactive(_ plan: Plan, _ statuses: [Int32?], preload: (RecordingKernel) -> Void = { _ in })
        -> (RunOutcome, RecordingKernel)
    {
        let sys = RecordingKernel()
        sys.files["/proc/self/cgroup"] = "0::/user.slice\n"
        sys.files["/sys/fs/cgroup/cgroup.controllers"] = "pids\n"
        sys.waitStatuses = statuses
        preload(sys)
        var options = RunOptions()
        options.terminalFD = 0
        return (runParent(plan, argv: ["sleep", "100"], options: options, kernel: sys), sys)
    }

    func limited(_ namespaces: Namespaces) -> Plan {
        var plan = makePlan(namespaces)
        plan.limits.pids = 5
        return plan
    }

    @Test func aStopReturnsTheSandboxKeepingItsCgroupAndFgFinishesIt() {
        let (outcome, sys) = interactive(limited([.uts]), [stopped(SIGTSTP), 0])
        guard case .stopped(let sandbox) = outcome else { Issue.record("\(outcome)"); return }
        #expect(outcome.status == 128 + SIGTSTP)
        #expect(sandbox.pid == 4242)
        let atStop = sys.syscalls
        let wait = atStop.firstIndex(of: "wait4(4242, WUNTRACED)") ?? -1
        let back = atStop.firstIndex { $0.hasPrefix("tcsetpgrp(0, getpgrp())") } ?? -1
        #expect(wait >= 0 && wait < back, "\(atStop)")
        #expect(!atStop.contains { $0.hasPrefix("rmdir") }, "the cgroup stays while stopped")
        #expect(atStop.filter { $0.hasPrefix("rt_sigaction") && $0.contains("as before") }.count == 2,
                "the shell's signals are back")

        #expect(sandbox.continueInForeground() == .exited(0))
        let resumed = Array(sys.syscalls.dropFirst(atStop.count))
        #expect(resumed.first?.hasPrefix("setpgid(4242, 4242), tcsetpgrp(0, 4242)") == true, "\(resumed)")
        let cont = resumed.firstIndex(of: "kill(-4242, \(SIGCONT))") ?? -1
        let wait2 = resumed.firstIndex(of: "wait4(4242, WUNTRACED)") ?? -1
        let rmdir = resumed.firstIndex(of: #"rmdir("/sys/fs/cgroup/user.slice/cfsh-4242")"#) ?? -1
        #expect(cont >= 0 && cont < wait2 && wait2 < rmdir, "\(resumed)")
    }

    @Test func withAnInitTheParentStopsItWhenItSaysTheCommandStopped() {
        // Pipes: plan 3,4; sync 5,6; error 7,8; the init's stop pipe 9,10.
        let (outcome, sys) = interactive(makePlan([.pid]), [stopped(SIGSTOP)]) { $0.preload(9, "S") }
        guard case .stopped = outcome else { Issue.record("\(outcome)"); return }
        let calls = sys.syscalls
        #expect(calls.contains(#"execve("/proc/self/exe", ["cfsh", "__cfsh_child", "3", "5", "8", "10"], ENV)"#), "\(calls)")
        let read = calls.firstIndex(of: "read(9, 1)") ?? -1
        let stop = calls.firstIndex(of: "kill(4242, \(SIGSTOP))") ?? -1
        let wait = calls.firstIndex(of: "wait4(4242, WUNTRACED)") ?? -1
        #expect(read >= 0 && read < stop && stop < wait, "\(calls)")
    }

    @Test func withAnInitItsEOFMeansItExited() {
        let (outcome, sys) = interactive(makePlan([.pid]), [0x0300])
        #expect(outcome == .exited(3))
        let calls = sys.syscalls
        #expect(!calls.contains { $0.hasPrefix("kill(") })
        #expect(calls.contains("close(9)"))
    }

    @Test func scriptsWaitAsBeforeWithoutAStopPipe() {
        let sys = RecordingKernel()
        let outcome = runParent(makePlan([.pid]), argv: ["true"], options: RunOptions(), kernel: sys)
        #expect(outcome == .exited(0))
        #expect(sys.syscalls.contains("wait4(4242)"))
        #expect(!sys.syscalls.contains { $0.contains("WUNTRACED") })
        #expect(sys.syscalls.filter { $0.hasPrefix("pipe2") }.count == 3)
    }

    @Test func bgContinuesAndPollNoticesTheEnd() {
        let (outcome, sys) = interactive(limited([.uts]), [stopped(SIGTSTP), nil, 0])
        guard case .stopped(let sandbox) = outcome else { Issue.record("\(outcome)"); return }
        sandbox.continueInBackground()
        #expect(sys.syscalls.last == "kill(-4242, \(SIGCONT))")
        #expect(sandbox.poll() == nil, "still running")
        #expect(sys.syscalls.last == "wait4(4242, WUNTRACED|WNOHANG) = 0")
        #expect(sandbox.poll() == .exited(0))
        #expect(sys.syscalls.last == #"rmdir("/sys/fs/cgroup/user.slice/cfsh-4242")"#)
    }

    @Test func endHangsUpContinuesWaitsAndRemovesTheCgroup() {
        let (outcome, sys) = interactive(limited([.uts]), [stopped(SIGTSTP), nil, SIGHUP])
        guard case .stopped(let sandbox) = outcome else { Issue.record("\(outcome)"); return }
        let before = sys.syscalls.count
        #expect(sandbox.end() == .signaled(SIGHUP))
        #expect(Array(sys.syscalls.dropFirst(before)) == [
            "kill(-4242, \(SIGHUP))", "kill(-4242, \(SIGCONT))",
            "wait4(4242, WNOHANG) = 0", "usleep(20000)", "wait4(4242, WNOHANG)",
            #"rmdir("/sys/fs/cgroup/user.slice/cfsh-4242")"#,
        ])
    }
}
