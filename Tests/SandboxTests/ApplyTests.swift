import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// The child's apply loop against the recording double: no root, no namespaces.
@Suite struct ApplyTests {
    @Test func stepsAreAppliedInTheOrderWritten() {
        let plan = makePlan([.uts, .pid, .mount], [
            .setHostname("container"), .chroot("./rootfs"), mountStep(.proc, "/proc"),
            .chdir("/tmp"),
        ])
        let result = apply(plan)
        #expect(result.failure == nil)
        #expect(result.calls == [
            #"mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)"#,
            #"sethostname("container")"#,
            #"chroot("./rootfs")"#,
            #"chdir("/")"#,
            // proc is never mounted onto a symlink (Mounts.swift).
            #"readlink("/proc")"#, #"mount("proc", "/proc", "proc", 0, NULL)"#,
            #"chdir("/tmp")"#,
        ])
    }

    @Test func rootIsMadePrivateBeforeTheFirstMountOnlyOnce() {
        let plan = makePlan([.mount], [
            .chdir("/"), mountStep(.tmpfs, "/tmp"), mountStep(.proc, "/proc"), .umount(target: "/tmp"),
        ])
        let calls = apply(plan).calls
        let privates = calls.indices.filter { calls[$0].contains("MS_PRIVATE") }
        let firstMount = calls.firstIndex { $0.hasPrefix(#"mount("tmpfs""#) }!
        #expect(privates.count == 1)
        #expect(privates[0] < firstMount)
        #expect(calls.last == #"umount2("/tmp", 0)"#)
    }

    @Test func noPrivateRootWithoutMountSteps() {
        let calls = apply(makePlan([.mount, .uts], [.setHostname("c")])).calls
        #expect(calls == [#"sethostname("c")"#])
    }

    @Test func chrootIsFollowedByChdirToTheNewRoot() {
        let calls = apply(makePlan([], [.chroot("/srv/rootfs")])).calls
        #expect(calls == [#"chroot("/srv/rootfs")"#, #"chdir("/")"#])
    }

    @Test func hostnameWithoutUTSNamespaceIsRefusedAndNothingIsCalled() {
        let result = apply(makePlan([.pid], [.setHostname("container"), .chroot("/r")]))
        #expect(result.calls.isEmpty)
        #expect(result.failure?.stepIndex == 0)
        #expect(result.failure?.step == "sethostname")
        #expect(result.failure?.errno == EPERM)
        #expect(result.failure?.status == 125)
        #expect(result.failure?.message.contains("refusing to rename the host") == true)
    }

    @Test func domainnameWithoutUTSNamespaceIsRefused() {
        let result = apply(makePlan([], [.setDomainname("example")]))
        #expect(result.calls.isEmpty)
        #expect(result.failure?.step == "setdomainname")
    }

    @Test func mountWithoutMountNamespaceIsRefusedAndNothingIsCalled() {
        for step in [mountStep(.proc, "/proc"), Step.umount(target: "/mnt")] {
            let result = apply(makePlan([.pid], [step]))
            #expect(result.calls.isEmpty)
            #expect(result.failure?.stepIndex == 0)
            #expect(result.failure?.errno == EPERM)
            #expect(result.failure?.message.contains("host's mounts") == true)
        }
    }

    @Test func aFailingStepReportsItsIndexAndErrnoAndStopsTheLoop() {
        let plan = makePlan([.uts, .mount], [
            .setHostname("c"), .chroot("/nonexistent"), mountStep(.proc, "/proc"), .chdir("/x"),
        ])
        let result = apply(plan) { $0.fail("chroot", with: ENOENT) }
        let failure = result.failure
        #expect(failure?.stepIndex == 1)
        #expect(failure?.step == "chroot")
        #expect(failure?.errno == ENOENT)
        #expect(failure?.status == 125)
        #expect(failure?.message == "chroot: /nonexistent: No such file or directory")
        #expect(!result.calls.contains { $0.hasPrefix(#"mount("proc""#) || $0.hasPrefix(#"chdir("/x")"#) })
        #expect(result.calls.last == #"chroot("/nonexistent") = -1 ENOENT"#)
    }

    @Test func eachKindOfStepReportsItsOwnFailure() {
        let cases: [(Step, String, String, String)] = [
            (.setHostname("c"), "sethostname", "sethostname", "sethostname: c: "),
            (.setDomainname("d"), "setdomainname", "setdomainname", "setdomainname: d: "),
            (mountStep(.proc, "/missing"), "mount", "mount", "mount: /missing: "),
            (.umount(target: "/mnt"), "umount2", "umount", "umount: /mnt: "),
            (.chdir("/nope"), "chdir", "chdir", "chdir: /nope: "),
        ]
        for (step, syscall, name, prefix) in cases {
            var occurrence = 1
            // The private-root mount comes first when the plan mounts.
            if syscall == "mount" { occurrence = 2 }
            let result = apply(makePlan([.uts, .mount], [.chdir("/"), step])) {
                $0.fail(syscall, with: EACCES, occurrence: syscall == "chdir" ? 2 : occurrence)
            }
            #expect(result.failure?.stepIndex == 1, "\(step)")
            #expect(result.failure?.step == name)
            #expect(result.failure?.errno == EACCES)
            #expect(result.failure?.message == prefix + "Permission denied")
        }
    }

    @Test func makingRootPrivateFailingIsReportedAtTheFirstMountStep() {
        let plan = makePlan([.mount], [.chdir("/"), mountStep(.tmpfs, "/tmp")])
        let result = apply(plan) { $0.fail("mount", with: EINVAL) }
        #expect(result.failure?.stepIndex == 1)
        #expect(result.failure?.message == "mount: making / private: Invalid argument")
        #expect(result.calls.count == 1)
    }

    @Test func mountOptionsBecomeFlagsAndData() {
        let plan = makePlan([.mount], [mountStep(.tmpfs, "/tmp", ["ro", "nosuid", "size=64m", "mode=755"]),
                                       mountStep(.proc, "/proc", ["nodev", "noexec"])])
        let calls = apply(plan).calls
        #expect(calls[1] == #"mount("tmpfs", "/tmp", "tmpfs", MS_RDONLY|MS_NOSUID, "size=64m,mode=755")"#)
        #expect(calls[3] == #"mount("proc", "/proc", "proc", MS_NODEV|MS_NOEXEC, NULL)"#)
    }

    /// A rootfs is data: a symlink in it must not carry a mount out of it (runc
    /// CVE-2021-30465, CVE-2019-16884). Nothing is mounted when refused.
    @Test func aMountTargetLeavingTheRootAPlanEntersOrAProcSymlinkIsRefused() {
        let before = apply(makePlan([.mount], [mountStep(.proc, "./rootfs/proc"), .pivotRoot("./rootfs/")])) {
            $0.fail("openat2", with: EXDEV)
        }
        #expect(before.calls.contains(#"openat2(open("rootfs"), "proc", O_PATH, RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS) = -1 EXDEV"#), "\(before.calls)")
        #expect(!before.calls.contains { $0.hasPrefix(#"mount("proc""#) })
        #expect(before.failure?.stepIndex == 0)
        #expect(before.failure?.message == "mount: ./rootfs/proc: refused: a symlink or '..' in it leads out of rootfs, the root this plan enters")
        // Outside the directory entered later: the user's own choice, not checked.
        let outside = apply(makePlan([.mount], [mountStep(.tmpfs, "/mnt"), .chroot("./rootfs")])).calls
        #expect(!outside.contains { $0.hasPrefix("openat2") })

        let proc = apply(makePlan([.mount], [.chroot("/r"), mountStep(.proc, "/proc")])) {
            $0.links["/proc"] = "/etc"
        }
        #expect(!proc.calls.contains { $0.hasPrefix(#"mount("proc""#) })
        #expect(proc.failure?.message == "mount: /proc: refused: it is a symlink (to /etc); proc is mounted only onto a directory")
    }

    @Test func readOnlyBindNeedsARemount() {
        let plan = makePlan([.mount], [mountStep(.bind, "/mnt", source: "/srv", ["ro"]),
                                       mountStep(.rbind, "/r", source: "/x")])
        let calls = apply(plan).calls
        #expect(calls == [
            #"mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)"#,
            #"mount("/srv", "/mnt", NULL, MS_BIND, NULL)"#,
            #"statvfs("/mnt")"#,
            #"mount(NULL, "/mnt", NULL, MS_RDONLY|MS_REMOUNT|MS_BIND, NULL)"#,
            #"mount("/x", "/r", NULL, MS_BIND|MS_REC, NULL)"#,
        ])
    }

    @Test func bindFailureNamesSourceAndTarget() {
        let plan = makePlan([.mount], [mountStep(.bind, "/mnt", source: "/srv")])
        let result = apply(plan) { $0.fail("mount", with: ENOENT, occurrence: 2) }
        #expect(result.failure?.message == "mount: /srv on /mnt: No such file or directory")
    }

    @Test func environmentStepsChangeOnlyTheCommandsEnvironment() {
        let plan = makePlan([], [.setEnv(name: "A", value: "1"), .unsetEnv("HOME"),
                                 .setEnv(name: "PATH", value: "/x"), .setEnv(name: "A", value: "2")])
        let result = apply(plan, environment: ["HOME=/root", "PATH=/bin", "TERM=xterm"])
        #expect(result.calls.isEmpty)
        #expect(result.environment.entries == ["TERM=xterm", "PATH=/x", "A=2"])
        #expect(result.environment.searchPath == "/x")
    }

    @Test func clearEnvEmptiesItAndTheDefaultPathApplies() {
        let result = apply(makePlan([], [.clearEnv, .setEnv(name: "X", value: "y")]),
                           environment: ["PATH=/bin", "HOME=/"])
        #expect(result.environment.entries == ["X=y"])
        #expect(result.environment.searchPath == defaultSearchPath)
    }

    /// The double records typed values: tests may assert on the arguments themselves.
    @Test func theDoubleRecordsTypedCalls() {
        let sys = RecordingKernel()
        var env = CommandEnvironment(["PATH=/bin"])
        let plan = makePlan([.mount], [mountStep(.proc, "/proc", ["nosuid", "nodev"])])
        #expect(childApplySteps(plan, kernel: sys, environment: &env) == nil)
        guard case .mount(let source, let target, let fstype, let flags, let data)? = sys.records.last?.call
        else { Issue.record("\(sys.calls)"); return }
        #expect(source == "proc" && target == "/proc" && fstype == "proc" && data == nil)
        #expect(flags == UInt(MS_NOSUID | MS_NODEV))
        #expect(sys.records.last?.process == .parent)
    }
}

/// Applying a plan costs the same per step however long the plan is (issue 13, item 7).
@Suite struct ApplyScalingTests {
    /// The root each mount must stay in is the next `chroot`/`pivot_root` after it.
    @Test func theRootAheadOfEachMountIsTheNextChrootOrPivotRoot() {
        let plan = makePlan([.mount], [
            mountStep(.tmpfs, "/a"), mountStep(.tmpfs, "/b"), .chroot("/r1"),
            mountStep(.tmpfs, "/c"), .pivotRoot("/r2"), mountStep(.tmpfs, "/d"),
        ])
        var roots = RootsAhead(plan.steps)
        #expect([0, 1, 3, 5].map { roots.next(after: $0) } == ["/r1", "/r1", "/r2", nil])
    }

    /// One look at each step in all, not a scan of the rest of the plan per mount: 2,000
    /// mounts before a chroot look at 2,000 steps (the scan per mount looked at 2,001,000).
    @Test func findingTheRootsAheadLooksAtEachStepOnce() {
        for count in [10, 2_000] {
            let steps = Array(repeating: mountStep(.tmpfs, "/tmp"), count: count) + [.chroot("/r")]
                + Array(repeating: mountStep(.tmpfs, "/tmp"), count: count)
            let plan = makePlan([.mount], steps)
            var roots = RootsAhead(plan.steps)
            for index in plan.steps.indices where index != count {
                #expect(roots.next(after: index) == (index < count ? "/r" : nil))
            }
            #expect(roots.examined <= plan.steps.count, "\(count) mounts: \(roots.examined) steps looked at")
            // And the kernel sees one call per mount, plus making / private once.
            let calls = apply(plan).calls
            #expect(calls.count == 1 + 2 * count + 2, "\(calls.suffix(3))")
        }
    }
}
