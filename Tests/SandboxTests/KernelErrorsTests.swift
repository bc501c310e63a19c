import CFSLanguage
import Foundation
import Glibc
import Testing
import TestSupport
@testable import Sandbox

/// Kernel errors explained (KernelErrors.swift): each diagnosis as a pure function over
/// what was read, with fixtures; then each listed error provoked for real and its cause
/// line checked (KernelErrorsIntegrationTests below).
struct KernelErrorsTests {
    static let hostMounts = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:25 / /proc rw,nosuid shared:13 - proc proc rw
        41 22 0:40 / /srv/with\\040space rw - tmpfs tmpfs rw
        """

    @Test func mountinfoLinesAreParsedWithTheirPropagation() {
        let mounts = MountInfoEntry.parse(Self.hostMounts)
        #expect(mounts == [
            MountInfoEntry(id: 22, parent: 1, mountPoint: "/", fstype: "ext4", shared: true),
            MountInfoEntry(id: 30, parent: 22, mountPoint: "/proc", fstype: "proc", shared: true),
            MountInfoEntry(id: 41, parent: 22, mountPoint: "/srv/with space", fstype: "tmpfs", shared: false),
        ])
        #expect(MountInfoEntry.parse("garbage\n1 2 3\n").isEmpty)
    }

    // MARK: pivot_root(2)

    func pivot(_ errno: Int32, root: MountPosition?, new: MountPosition?, mounts: String?) -> String? {
        pivotRootCause(errno, newRoot: "./rootfs", PivotRootFacts(root: root, newRoot: new,
                                                                 mounts: mounts.map(MountInfoEntry.parse)))?.because
    }

    @Test func pivotRootAfterAChrootIsTheRootNotBeingAMountPoint() {
        // After `chroot ./rootfs` there is no /proc to read: statx alone says it.
        let cause = pivot(EINVAL, root: MountPosition(mountID: 300, isMountRoot: false),
                          new: MountPosition(mountID: 301, isMountRoot: true), mounts: nil)
        #expect(cause?.contains("the current root '/' is not a mount point: chroot(2) made a directory the root") == true)
    }

    @Test func pivotRootNamesWhichMountIsShared() {
        let root = MountPosition(mountID: 300, isMountRoot: true), new = MountPosition(mountID: 310, isMountRoot: true)
        let newShared = "299 298 0:1 / / rw - ext4 a rw\n300 299 0:2 / / rw - ext4 b rw\n310 300 0:3 / /r rw shared:5 - tmpfs t rw\n"
        #expect(pivot(EINVAL, root: root, new: new, mounts: newShared)?.hasPrefix("'./rootfs' (/r) has shared propagation") == true)
        let parentShared = "299 298 0:1 / / rw - ext4 a rw\n300 299 0:2 / / rw shared:2 - ext4 b rw\n310 300 0:3 / /r rw - tmpfs t rw\n"
        #expect(pivot(EINVAL, root: root, new: new, mounts: parentShared)?.hasPrefix("the mount './rootfs' is on (/) has shared propagation") == true)
        let underRootShared = "299 298 0:1 / / rw shared:1 - ext4 a rw\n300 299 0:2 / / rw - ext4 b rw\n310 300 0:3 / /r rw - tmpfs t rw\n"
        #expect(pivot(EINVAL, root: root, new: new, mounts: underRootShared)?.hasPrefix("the mount under the current root (/) has shared propagation") == true)
        let nothingShared = "299 298 0:1 / / rw - ext4 a rw\n300 299 0:2 / / rw - ext4 b rw\n310 300 0:3 / /r rw - tmpfs t rw\n"
        #expect(pivot(EINVAL, root: root, new: new, mounts: nothingShared) == nil, "no cause found: none is said")
    }

    @Test func pivotRootFromTheInitialRamfs() {
        let cause = pivot(EINVAL, root: MountPosition(mountID: 1, isMountRoot: true),
                          new: MountPosition(mountID: 5, isMountRoot: true),
                          mounts: "1 1 0:1 / / rw - rootfs rootfs rw\n5 1 0:5 / /new rw - tmpfs t rw\n")
        #expect(cause?.hasPrefix("the current root is the initial ramfs (rootfs)") == true)
    }

    @Test func pivotRootIntoADirectoryThatIsNotAMountPoint() {
        let cause = pivot(EINVAL, root: MountPosition(mountID: 300, isMountRoot: true),
                          new: MountPosition(mountID: 300, isMountRoot: false), mounts: nil)
        #expect(cause == "'./rootfs' is not a mount point (pivot_root(2) EINVAL)")
    }

    @Test func pivotRootOntoTheCurrentRootIsBusy() {
        let cause = pivot(EBUSY, root: MountPosition(mountID: 300, isMountRoot: true),
                          new: MountPosition(mountID: 300, isMountRoot: true), mounts: nil)
        #expect(cause?.hasPrefix("'./rootfs' is on the mount that is the current root") == true)
        #expect(pivot(EBUSY, root: MountPosition(mountID: 300, isMountRoot: true),
                      new: MountPosition(mountID: 301, isMountRoot: true), mounts: nil) == nil)
        #expect(pivot(ENOENT, root: nil, new: nil, mounts: nil) == nil)
    }

    // MARK: mount(2), umount(2)

    func mountFacts(_ kind: Mount.Kind, sysAdmin: Bool? = true, initial: Bool? = false, ownedHere: Bool? = true,
                    mounts: String? = hostMounts) -> MountFacts {
        MountFacts(kind: kind, target: "/t", hasSysAdmin: sysAdmin, mounts: mounts.map(MountInfoEntry.parse),
                   initialUserNamespace: initial, shownNamespaceOwnedHere: ownedHere)
    }

    @Test func mountEPERMCauses() {
        #expect(mountCause(EPERM, mountFacts(.tmpfs, sysAdmin: false))?.because
                .contains("holds no CAP_SYS_ADMIN") == true)
        #expect(mountCause(EPERM, mountFacts(.proc, ownedHere: false))?.fix
                == "add pid to the 'unshare' line: a new one belongs to the sandbox's user namespace")
        #expect(mountCause(EPERM, mountFacts(.sysfs, ownedHere: false))?.because
                .hasPrefix("the net namespace sysfs would show is not owned by the sandbox's user namespace") == true)
        #expect(mountCause(EPERM, mountFacts(.proc, ownedHere: nil, mounts: nil))?.because
                .hasPrefix("no proc is mounted here to read /proc/self/mountinfo from, and outside the initial user namespace") == true)
        #expect(mountCause(EPERM, mountFacts(.proc, mounts: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"))?.because
                .hasPrefix("no proc is mounted in this mount namespace") == true)
        #expect(mountCause(EPERM, mountFacts(.proc)) == nil, "proc is visible and owned: not said")
        #expect(mountCause(EPERM, mountFacts(.proc, initial: true, mounts: nil)) == nil)
        #expect(mountCause(EPERM, mountFacts(.tmpfs, mounts: nil)) == nil)
    }

    @Test func overlayWithUpperAndWorkOnTwoFileSystems() {
        var facts = mountFacts(.overlay)
        facts.upperDir = ("/a/u", "65024:12")
        facts.workDir = ("/b/w", "27:3")
        #expect(mountCause(EINVAL, facts)?.because.hasPrefix("upperdir /a/u and workdir /b/w are on different file systems (st_dev 65024 and 27)") == true)
        facts.workDir = ("/a/w", "65024:13")
        #expect(mountCause(EINVAL, facts) == nil)
    }

    @Test func umountCauses() {
        let mounted = MountPosition(mountID: 41, isMountRoot: true)
        let mounts = MountInfoEntry.parse(Self.hostMounts + "\n50 41 0:9 / /srv/with\\040space/in rw - tmpfs t rw\n")
        #expect(umountCause(EBUSY, target: "/m", position: mounted, workingDirectory: mounted, mounts: mounts)?
            .because.hasPrefix("the sandbox's working directory is on '/m'") == true)
        #expect(umountCause(EBUSY, target: "/m", position: mounted, workingDirectory: MountPosition(mountID: 22, isMountRoot: false),
                            mounts: mounts)?.fix == "'umount /srv/with space/in' first")
        #expect(umountCause(EBUSY, target: "/m", position: mounted, workingDirectory: nil, mounts: nil) == nil)
        #expect(umountCause(EINVAL, target: "/etc", position: MountPosition(mountID: 22, isMountRoot: false),
                            workingDirectory: nil, mounts: nil)?.because == "'/etc' is not a mount point (umount(2) EINVAL)")
    }

    // MARK: sethostname(2)

    @Test func sethostnameEPERMCauses() {
        #expect(sethostnameCause(EPERM, call: "sethostname", hasSysAdmin: false, namespaces: [.uts])?.because
                .contains("a 'cap' step removed it") == true)
        #expect(sethostnameCause(EPERM, call: "sethostname", hasSysAdmin: true, namespaces: [.user])?.fix
                == "add uts to the 'unshare' line")
        #expect(sethostnameCause(EPERM, call: "sethostname", hasSysAdmin: true, namespaces: [.uts, .user]) == nil)
        #expect(sethostnameCause(EINVAL, call: "sethostname", hasSysAdmin: false, namespaces: [.uts]) == nil)
    }

    // MARK: uid_map, gid_map

    func idMap(_ file: String, _ written: [IDMap], euid: UInt32 = 1000, current: String? = "", setgroups: String? = "deny\n") -> String? {
        idMapCause(EPERM, IDMapFacts(file: file, written: written, uid: 1000, gid: 1000, euid: euid,
                                     current: current, setgroups: setgroups))?.because
    }

    @Test func idMapEPERMCauses() {
        let own = [IDMap(inside: 0, outside: 1000, count: 1)]
        #expect(idMap("uid_map", own, euid: 0, current: "         0          0          1\n")?
            .hasPrefix("/proc/PID/uid_map was written already (it holds 0 0 1)") == true)
        #expect(idMap("gid_map", own, setgroups: "allow\n")?.hasPrefix("/proc/PID/setgroups holds 'allow'") == true)
        #expect(idMap("uid_map", [IDMap(inside: 0, outside: 0, count: 1)])?.hasPrefix("without root (cfsh runs as uid 1000) only your own uid 1000") == true)
        #expect(idMap("gid_map", [IDMap(inside: 0, outside: 1000, count: 2)])?.contains("1000-1001 is not mapped") == true)
        #expect(idMap("uid_map", own) == nil, "an allowed map: no cause is made up")
        #expect(idMap("setgroups", []) == nil)
        #expect(idMap("uid_map", [IDMap(inside: 0, outside: 0, count: 1)], euid: 0) == nil)
    }

    // MARK: clone3(2)

    func clone(_ errno: Int32, _ namespaces: Namespaces, euid: UInt32 = 0, sysAdmin: Bool? = true,
               userns: Int? = nil, limits: [(Namespace, Int?)]) -> KernelErrorCause? {
        cloneCause(errno, CloneFacts(namespaces: namespaces, euid: euid, hasSysAdmin: sysAdmin,
                                     unprivilegedUsernsClone: userns, limits: limits.map { (namespace: $0.0, value: $0.1) }))
    }

    @Test func cloneCauses() {
        #expect(clone(ENOSPC, [.uts, .pid], limits: [(.uts, 96364), (.pid, 0)])?.because
                == "user.max_pid_namespaces is 0 (/proc/sys/user/max_pid_namespaces): no pid namespace may be made here (namespaces(7))")
        #expect(clone(ENOSPC, [.mount], limits: [(.mount, 5)])?.because
                .contains("here user.max_mnt_namespaces = 5") == true)
        #expect(clone(EUSERS, [.user], limits: [(.user, 0)])?.because.hasPrefix("user.max_user_namespaces is 0") == true)
        #expect(clone(ENOSPC, [.uts], limits: [(.uts, nil)]) == nil, "nothing read: nothing said")
        #expect(clone(EPERM, [.user], euid: 1000, userns: 0, limits: [])?.because
                == "unprivileged user namespaces are disabled: /proc/sys/kernel/unprivileged_userns_clone is 0")
        #expect(clone(EPERM, [.user], euid: 1000, userns: 1, limits: []) == nil)
        #expect(clone(EPERM, [.uts], euid: 1000, sysAdmin: false, limits: [])?.because
                .hasPrefix("cfsh holds no CAP_SYS_ADMIN (it runs as uid 1000)") == true)
        #expect(clone(EPERM, [.uts], euid: 0, sysAdmin: true, limits: []) == nil)
    }

    // MARK: the way to the user

    @Test func theCauseCrossesThePipeAsASecondLine() {
        var failure = SandboxFailure.setup("pivot_root", "./rootfs", Errno(EINVAL), index: 3)
        failure.cause = "why; fix"
        let text = FailureRecord.encode(failure)
        #expect(text == "3 22 125 pivot_root pivot_root: ./rootfs: Invalid argument\nwhy; fix\n")
        #expect(FailureRecord.decode(text) == failure)
        failure.cause = nil
        #expect(FailureRecord.decode(FailureRecord.encode(failure)) == failure)
    }

    @Test func theCauseIsANoteUnderTheError() {
        let at = SourceLocation(file: "step6.cfs", line: 9, column: 1)
        let text = render(Diagnostic("pivot_root: ./rootfs: Invalid argument", at: at, cause: "why; fix"),
                          sourceLine: "pivot_root ./rootfs")
        #expect(text == """
            step6.cfs:9:1: error: pivot_root: ./rootfs: Invalid argument
            pivot_root ./rootfs
            ^
            step6.cfs:9:1: note: why; fix

            """)
    }

    @Test func aStepWithoutCapSysAdminLooksAtItsCapabilities() {
        // The plan rules refuse a cap step before what it removes, in the checker and
        // again in the child, so a real run cannot get here: the recorder stands in.
        let plan = makePlan([.uts, .mount], [.setHostname("c"), mountStep(.tmpfs, "/m")])
        for (call, step) in [("sethostname", "sethostname"), ("mount", "mount")] {
            let failed = apply(plan) {
                $0.capabilitySets = CapabilitySets(effective: 0, permitted: 0)
                $0.fail(call, with: EPERM, matching: call == "mount" ? "tmpfs" : nil)
            }
            #expect(failed.failure?.step == step)
            #expect(failed.failure?.cause?.contains("holds no CAP_SYS_ADMIN") == true, "\(String(describing: failed.failure))")
            #expect(failed.calls.contains("capget()"))
        }
    }

    @Test func onlyAFailedCallLooks() {
        // The recorder shows every call: a successful run makes none of the looks.
        let plan = makePlan([.mount, .uts, .user], [.setHostname("c"), mountStep(.tmpfs, "/m"), .umount(target: "/m"),
                                                    .pivotRoot("/r")])
        let lines = Sandbox.explain(plan, argv: ["/bin/true"])
        #expect(!lines.contains { $0.contains("statx") || $0.contains("mountinfo") || $0.contains("capget")
                                  || $0.contains("/proc/sys/") })
        // A failed one does, in the child, before it reports.
        let failed = apply(makePlan([.mount], [.pivotRoot("/r")])) { $0.fail("pivot_root", with: EINVAL) }
        #expect(failed.calls.contains(#"statx(AT_FDCWD, "/", 0, STATX_MNT_ID) = -1 ENOENT"#))
        #expect(failed.calls.contains(#"read("/proc/self/mountinfo") = -1 ENOENT"#))
    }
}
