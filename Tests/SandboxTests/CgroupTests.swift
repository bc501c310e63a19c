import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// `limit`: the parent's cgroup against the recording double.
@Suite struct CgroupTests {
    func plan(pids: UInt64? = nil, memory: UInt64? = nil, cpu: UInt64? = nil) -> Plan {
        var plan = makePlan([.pid])
        plan.limits.pids = pids
        plan.limits.memoryBytes = memory
        plan.limits.cpuMillis = cpu
        return plan
    }

    func run(_ plan: Plan, configure: (RecordingKernel) -> Void = { _ in })
        -> (outcome: RunOutcome, calls: [String])
    {
        let sys = RecordingKernel()
        sys.files["/proc/self/cgroup"] = "8:pids:/\n4:memory:/outer/job\n1:cpu,cpuacct:/\n0::/\n"
        configure(sys)
        let outcome = runParent(plan, argv: ["true"], options: RunOptions(), kernel: sys)
        return (outcome, sys.syscalls)
    }

    @Test func v1MakesOneCgroupPerControllerBelowCfshsOwnBeforeThePlanAndRemovesItAfterWait() {
        let (outcome, calls) = run(plan(pids: 5, memory: 1 << 20, cpu: 500))
        #expect(outcome == .exited(0))
        let limits = calls.filter { $0.contains("cgroup") && !$0.hasPrefix("read(\"/proc/self") }
        #expect(limits == [
            #"read("/sys/fs/cgroup/cgroup.controllers") = -1 ENOENT"#,
            // The stale cgroup sweep looks where each cgroup will be made.
            #"getdents64(open("/sys/fs/cgroup/pids", O_DIRECTORY)) = -1 ENOENT"#,
            #"getdents64(open("/sys/fs/cgroup/memory/outer/job", O_DIRECTORY)) = -1 ENOENT"#,
            #"getdents64(open("/sys/fs/cgroup/cpu", O_DIRECTORY)) = -1 ENOENT"#,
            #"mkdir("/sys/fs/cgroup/pids/cfsh-4242", 0755)"#,
            #"write("/sys/fs/cgroup/pids/cfsh-4242/pids.max", "5")"#,
            #"write("/sys/fs/cgroup/pids/cfsh-4242/cgroup.procs", "4242")"#,
            #"mkdir("/sys/fs/cgroup/memory/outer/job/cfsh-4242", 0755)"#,
            #"write("/sys/fs/cgroup/memory/outer/job/cfsh-4242/memory.limit_in_bytes", "1048576")"#,
            #"write("/sys/fs/cgroup/memory/outer/job/cfsh-4242/cgroup.procs", "4242")"#,
            #"mkdir("/sys/fs/cgroup/cpu/cfsh-4242", 0755)"#,
            #"write("/sys/fs/cgroup/cpu/cfsh-4242/cpu.cfs_period_us", "100000")"#,
            #"write("/sys/fs/cgroup/cpu/cfsh-4242/cpu.cfs_quota_us", "50000")"#,
            #"write("/sys/fs/cgroup/cpu/cfsh-4242/cgroup.procs", "4242")"#,
            #"rmdir("/sys/fs/cgroup/cpu/cfsh-4242")"#,
            #"rmdir("/sys/fs/cgroup/memory/outer/job/cfsh-4242")"#,
            #"rmdir("/sys/fs/cgroup/pids/cfsh-4242")"#,
        ])
        let procs = calls.firstIndex { $0.contains("cfsh-4242/cgroup.procs") }!
        let plan = calls.firstIndex { $0.hasPrefix("write(4, ") }!
        let wait = calls.firstIndex(of: "wait4(4242)")!
        let rmdir = calls.firstIndex { $0.hasPrefix("rmdir") }!
        #expect(procs < plan && wait < rmdir)
    }

    @Test func v2IsOneCgroupWithEveryLimit() {
        let (_, calls) = run(plan(pids: 5, memory: 1024, cpu: 250)) {
            $0.files["/sys/fs/cgroup/cgroup.controllers"] = "cpu memory pids\n"
            $0.files["/proc/self/cgroup"] = "0::/user.slice/session\n"
        }
        let dir = "/sys/fs/cgroup/user.slice/session/cfsh-4242"
        #expect(calls.contains("mkdir(\"\(dir)\", 0755)"))
        #expect(calls.contains("write(\"\(dir)/pids.max\", \"5\")"))
        #expect(calls.contains("write(\"\(dir)/memory.max\", \"1024\")"))
        #expect(calls.contains("write(\"\(dir)/cpu.max\", \"25000 100000\")"))
        #expect(calls.last == "rmdir(\"\(dir)\")")
    }

    @Test func aFailedLimitStopsBeforeThePlanAndStillRemovesWhatWasMade() {
        let (outcome, calls) = run(plan(pids: 5, memory: 1024)) { $0.fail("write", with: EINVAL, matching: "memory.limit_in_bytes") }
        guard case .failed(let failure) = outcome else { Issue.record("\(outcome)"); return }
        #expect(failure.step == "limit")
        #expect(failure.status == 125)
        #expect(failure.message == "limit: /sys/fs/cgroup/memory/outer/job/cfsh-4242/memory.limit_in_bytes: 1024: Invalid argument")
        #expect(!calls.contains { $0.hasPrefix("write(4, ") })
        // (The parent puts its signal handling back once the child is reaped.)
        #expect(Array(calls.filter { !$0.contains("rt_sigaction") }.suffix(3)) == ["wait4(4242)", #"rmdir("/sys/fs/cgroup/memory/outer/job/cfsh-4242")"#,
                                           #"rmdir("/sys/fs/cgroup/pids/cfsh-4242")"#])
        let (mkdirFailed, mkdirCalls) = run(plan(pids: 5)) { $0.fail("mkdir", with: EACCES) }
        #expect(mkdirFailed.status == 125)
        #expect(!mkdirCalls.contains { $0.hasPrefix("rmdir") })
    }

    @Test func processesLeftInTheCgroupAreKilledSoItCanBeRemoved() {
        let (outcome, calls) = run(plan(pids: 5)) { sys in
            for n in 1...7 { sys.fail("rmdir", with: EBUSY, occurrence: n) }
            sys.files["/sys/fs/cgroup/pids/cfsh-4242/cgroup.procs"] = "77\n78\n"
        }
        #expect(outcome == .exited(0))
        #expect(calls.filter { $0.hasPrefix("rmdir") }.count == 8)
        #expect(calls.contains("kill(77, 9)") && calls.contains("kill(78, 9)"))
        #expect(calls.last == #"rmdir("/sys/fs/cgroup/pids/cfsh-4242")"#)
    }

    /// A cfsh killed by SIGKILL leaves its empty cgroup: the next run that makes one
    /// removes those whose sandbox pid is gone, and says so in one line.
    @Test func staleCgroupsOfGoneSandboxesAreRemovedByTheNextRunAndOnlyThose() {
        let (outcome, calls) = run(plan(pids: 5)) { sys in
            sys.files["/sys/fs/cgroup/pids"] = "system.slice\ncfsh-77\ncfsh-78\ncfsh-79\ncfsh-x\ncfshy\n"
            sys.fail("kill", with: ESRCH, matching: "kill(77, 0)")
            sys.fail("kill", with: ESRCH, matching: "kill(79, 0)")
            // 79's pid is gone but its cgroup still has a process (reused elsewhere): EBUSY.
            sys.fail("rmdir", with: EBUSY, matching: "cfsh-79")
        }
        #expect(outcome == .exited(0))
        #expect(calls.contains("kill(77, 0) = -1 ESRCH") && calls.contains("kill(78, 0)"))
        #expect(calls.filter { $0.hasPrefix("rmdir") } == [
            #"rmdir("/sys/fs/cgroup/pids/cfsh-77")"#, #"rmdir("/sys/fs/cgroup/pids/cfsh-79") = -1 EBUSY"#,
            #"rmdir("/sys/fs/cgroup/pids/cfsh-4242")"#])
        let said = calls.filter { $0.hasPrefix("write(2, ") }
        #expect(said.count == 1 && said[0].contains("removed 1 stale cgroup"), "\(said)")
        // Before its own cgroup is made.
        let sweep = calls.firstIndex { $0.hasPrefix("rmdir(\"/sys/fs/cgroup/pids/cfsh-77") }!
        #expect(sweep < calls.firstIndex { $0.hasPrefix("mkdir") }!)
    }

    @Test func onlyCfshDashPIDNamesAreSwept() {
        #expect(cfshCgroupPID(Array("cfsh-4242".utf8)) == 4242)
        #expect(cfshCgroupPID(Array("cfsh-2147483647".utf8)) == Int32.max)
        for name in ["cfsh-", "cfsh-0", "cfsh-012", "cfsh--1", "cfsh-+1", "cfsh-1x", "cfsh-2147483648",
                     "cfsh-99999999999999999999", "cfsh", "xcfsh-1", "cfsh-1 "] {
            #expect(cfshCgroupPID(Array(name.utf8)) == nil, "\(name)")
        }
    }

    @Test func aCgroupAlreadyRemovedBySomeoneElsesSweepIsNotAFailure() {
        let (outcome, _) = run(plan(pids: 5)) { $0.fail("rmdir", with: ENOENT) }
        #expect(outcome == .exited(0))
    }

    @Test func aCgroupThatCannotBeRemovedIsReported() {
        let (outcome, _) = run(plan(pids: 5)) { $0.fail("rmdir", with: EACCES) }
        #expect(outcome.status == 125)
        guard case .failed(let failure) = outcome else { return }
        #expect(failure.message == "limit: removing /sys/fs/cgroup/pids/cfsh-4242: Permission denied")
    }
}

/// The OOM killer's count is read only for a command ended by SIGKILL, from the memory
/// cgroup, before the cgroup is removed.
@Suite struct MemoryLimitKillTests {
    @Test func aSIGKILLInsideTheMemoryLimitIsNamedAsSuch() {
        let kernel = RecordingKernel()
        kernel.files["/proc/self/cgroup"] = "4:memory:/\n0::/\n"
        kernel.files["/sys/fs/cgroup/memory/cfsh-4242/memory.oom_control"] = "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"
        kernel.waitStatus = SIGKILL
        var plan = Plan()
        plan.limits.memoryBytes = 8 << 20
        let outcome = runParent(plan, argv: ["true"], options: RunOptions(), kernel: kernel)
        #expect(outcome == .killedByMemoryLimit(1))
        #expect(outcome.status == 137)
        let read = kernel.syscalls.firstIndex { $0.hasPrefix(#"read("/sys/fs/cgroup/memory/cfsh-4242/memory.oom_control")"#) }
        let rmdir = kernel.syscalls.firstIndex { $0.hasPrefix("rmdir") }
        #expect(read != nil && rmdir != nil && read! < rmdir!)
    }

    @Test func otherEndingsDoNotReadIt() {
        let kernel = RecordingKernel()
        kernel.files["/proc/self/cgroup"] = "4:memory:/\n0::/\n"
        var plan = Plan()
        plan.limits.memoryBytes = 8 << 20
        #expect(runParent(plan, argv: ["true"], options: RunOptions(), kernel: kernel) == .exited(0))
        #expect(!kernel.syscalls.contains { $0.contains("oom_control") })
    }
}
