import CFSLanguage
import CLinux
import Glibc
import Testing
@testable import Sandbox

@Suite struct ProtocolTests {
    @Test func failureRecordRoundTrips() {
        let failures = [
            SandboxFailure(stepIndex: 3, step: "chroot", errno: ENOENT,
                           message: "chroot: /srv/a b: No such file or directory", status: 125),
            SandboxFailure(stepIndex: nil, step: "exec", errno: EACCES,
                           message: "exec: /etc/passwd: Permission denied", status: 126),
            SandboxFailure(stepIndex: 0, step: "mount", errno: 22, message: "", status: 125),
        ]
        for failure in failures {
            #expect(FailureRecord.decode(FailureRecord.encode(failure)) == failure)
        }
    }

    @Test func aNewlineInAMessageCannotSplitTheRecord() {
        let failure = SandboxFailure(stepIndex: 1, step: "chdir", errno: 2,
                                     message: "chdir: a\nb: x", status: 125)
        #expect(FailureRecord.decode(FailureRecord.encode(failure))?.message == "chdir: a b: x")
    }

    @Test func noDataMeansTheCommandExecd() {
        #expect(FailureRecord.decode("") == nil)
        #expect(FailureRecord.decode("garbage") == nil)
    }

    /// The C shim writes this when re-executing cfsh fails.
    @Test func theShimsRecordDecodes() {
        let failure = FailureRecord.decode("- 2 125 reexec \n")
        #expect(failure?.stepIndex == nil)
        #expect(failure?.errno == 2)
        #expect(failure?.step == "reexec")
    }

    @Test func statusFollowsDesign() {
        #expect(RunOutcome.exited(7).status == 7)
        #expect(RunOutcome.signaled(9).status == 137)
        #expect(RunOutcome.failed(SandboxFailure(stepIndex: nil, step: "exec", errno: 2,
                                                 message: "", status: 127)).status == 127)
    }

    @Test func cloneFlagsFollowTheNamespaces() {
        #expect(cloneFlagNames(cloneFlags([.uts, .pid, .mount]))
                == "CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID|SIGCHLD")
        #expect(cloneFlagNames(cloneFlags([])) == "SIGCHLD")
        #expect(cloneFlags(Namespaces(Namespace.allCases)).nonzeroBitCount == 8)
    }

    /// The language's bit set (Plan.swift) holds the kernel's CLONE_NEW* values.
    @Test func namespaceFlagsAreTheKernels() {
        let kernel: [Namespace: UInt64] = [
            .uts: UInt64(CFS_CLONE_NEWUTS), .pid: UInt64(CFS_CLONE_NEWPID), .mount: UInt64(CFS_CLONE_NEWNS), .ipc: UInt64(CFS_CLONE_NEWIPC),
            .net: UInt64(CFS_CLONE_NEWNET), .user: UInt64(CFS_CLONE_NEWUSER), .cgroup: UInt64(CFS_CLONE_NEWCGROUP), .time: UInt64(CFS_CLONE_NEWTIME),
        ]
        for namespace in Namespace.allCases {
            #expect(namespace.cloneFlag == kernel[namespace], "\(namespace)")
        }
        #expect(Namespaces([.time, .uts, .user]).names == "uts user time")
    }

    /// The parent's side against the double: a failure record on the error pipe becomes
    /// the outcome, with the child's step index.
    @Test func parentRebuildsTheChildsFailure() {
        let sys = RecordingKernel()
        let failure = SandboxFailure(stepIndex: 2, step: "chroot", errno: ENOENT,
                                     message: "chroot: /x: No such file or directory", status: 125)
        sys.preload(7, FailureRecord.encode(failure))
        sys.waitStatus = 125 << 8
        let outcome = runParent(makePlan([.uts]), argv: ["true"], options: RunOptions(), kernel: sys)
        #expect(outcome == .failed(failure))
        #expect(outcome.status == 125)
    }

    @Test func parentReportsExitAndSignal() {
        let sys = RecordingKernel()
        sys.waitStatus = 7 << 8
        #expect(runParent(makePlan(), argv: ["true"], options: RunOptions(), kernel: sys) == .exited(7))
        let killed = RecordingKernel()
        killed.waitStatus = 9
        #expect(runParent(makePlan(), argv: ["true"], options: RunOptions(), kernel: killed) == .signaled(9))
    }

    @Test func cloneFailureIsASetupFailure() {
        let sys = RecordingKernel()
        sys.fail("clone3", with: EPERM)
        let outcome = runParent(makePlan([.uts]), argv: ["true"], options: RunOptions(), kernel: sys)
        guard case .failed(let failure) = outcome else { Issue.record("\(outcome)"); return }
        #expect(failure.step == "clone3")
        #expect(failure.status == 125)
        #expect(failure.message == "clone3: unshare uts: Operation not permitted")
        #expect(!sys.syscalls.contains { $0.hasPrefix("wait4") })
    }
}

/// The language's mount option table carries mount(2)'s numbers itself (it has no
/// libc); they must be Glibc's.
@Suite struct MountTableTests {
    @Test func flagBitsAreTheKernels() {
        let expected: [MountFlag: UInt] = [
            .ro: UInt(MS_RDONLY), .rw: 0, .nosuid: UInt(MS_NOSUID), .nodev: UInt(MS_NODEV),
            .noexec: UInt(MS_NOEXEC), .sync: UInt(MS_SYNCHRONOUS), .noatime: UInt(MS_NOATIME),
            .nodiratime: UInt(MS_NODIRATIME), .relatime: UInt(MS_RELATIME), .strictatime: UInt(MS_STRICTATIME),
        ]
        for flag in MountFlag.allCases { #expect(flag.bits == expected[flag], "\(flag)") }
    }

    @Test func settingsSplitFlagsAndDataInTheOrderWritten() {
        let m = Mount(kind: .tmpfs, source: nil, target: "/t", options: ["ro", "size=1m", "nosuid", "rw", "mode=755"])
        #expect(m.settings == MountSettings(flags: UInt(MS_NOSUID), data: "size=1m,mode=755"))
    }
}
