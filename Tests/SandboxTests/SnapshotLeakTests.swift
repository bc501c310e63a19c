import Foundation
import Glibc
import Testing
import TestSupport

/// The host snapshot that `withHostUnchanged` takes around every sandbox sees each kind
/// of leak: each test here leaks one on purpose — harmlessly (a cgroup directory it
/// removes, a mount and a network link inside namespaces it made, a process it ends)
/// — and checks the snapshot reports it, then that undoing it leaves no difference.
@Suite(.serialized, .needs(.sandbox))
struct SnapshotLeakTests {
    /// Every cgroup mount of the host: v1 controllers and cgroup2.
    static let cgroupMounts: [String] = {
        TestHost.read("/proc/self/mountinfo").split(separator: "\n").compactMap { line in
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, let type = halves[1].split(separator: " ").first,
                  type == "cgroup" || type == "cgroup2" else { return nil }
            let fields = halves[0].split(separator: " ")
            return fields.count > 4 ? "\(type) \(fields[4])" : nil
        }
    }()

    @Test func thisHostHasV1AndV2CgroupMounts() {
        // So that the test below covers both kinds here (README "Tests").
        #expect(Self.cgroupMounts.contains { $0.hasPrefix("cgroup ") }, "\(Self.cgroupMounts)")
        #expect(Self.cgroupMounts.contains { $0.hasPrefix("cgroup2 ") }, "\(Self.cgroupMounts)")
    }

    @Test(arguments: cgroupMounts)
    func aLeakedCgroupDirectoryIsSeenOnEveryCgroupMount(_ mount: String) throws {
        try requireHost(.sandbox)
        let mountPoint = String(mount.split(separator: " ")[1])
        let top = mountPoint + "/cfsh-leak-test-\(getpid())"
        let nested = top + "/inner"
        let before = HostSnapshot()
        try #require(mkdir(top, 0o755) == 0, "mkdir \(top): \(String(cString: strerror(errno)))")
        defer { rmdir(nested); rmdir(top) }
        // Below the top level too: the walk goes to any depth.
        try #require(mkdir(nested, 0o755) == 0, "mkdir \(nested): \(String(cString: strerror(errno)))")
        let leaked = HostSnapshot().differences(from: before)
        #expect(leaked.count == 1, "\(leaked)")
        #expect(leaked.first?.hasPrefix("cgroup directories changed: added [\"\(top)\", \"\(nested)\"]") == true, "\(leaked)")
        rmdir(nested)
        rmdir(top)
        #expect(HostSnapshot().differences(from: before) == [])
    }

    /// cfsh names its cgroup `cfsh-PID` after itself: one named after a cfsh this test
    /// started is the test's, and seen even after that cfsh is gone; one named after a
    /// process of someone else's (here PID 1) is another suite's, and left out.
    @Test func aLeakedCfshCgroupIsTheTestsAndAnothersIsNot() throws {
        try requireHost(.sandbox)
        SandboxCounter.forgetSessions()
        defer { SandboxCounter.forgetSessions() }
        var cfshPID: pid_t = 0
        let run = TestHost.run(["-c", "exec true"]) { cfshPID = $0 }
        #expect(run.status == 0, "\(run.stderr)")
        let before = HostSnapshot()
        let ours = "/sys/fs/cgroup/pids/cfsh-\(cfshPID)", theirs = "/sys/fs/cgroup/pids/cfsh-1"
        try #require(mkdir(ours, 0o755) == 0 && mkdir(theirs, 0o755) == 0, "\(String(cString: strerror(errno)))")
        defer { rmdir(ours); rmdir(theirs) }
        let leaked = HostSnapshot().differences(from: before)
        #expect(leaked == ["cgroup directories changed: added [\"\(ours)\"], removed []"], "\(leaked)")
        rmdir(ours)
        rmdir(theirs)
        #expect(HostSnapshot().differences(from: before) == [])
    }

    /// A helper process in a mount and network namespace of its own: the snapshot reads
    /// its /proc/PID/mountinfo and /proc/PID/net/dev, as it reads /proc/self's for the
    /// host, and the leak happens in there.
    func withHelperNamespace(_ body: (pid_t) throws -> Void) throws {
        let pid = try #require(TestHost.start(["/usr/bin/unshare", "--mount", "--net", "--propagation", "private",
                                                "/bin/sleep", "60"]))
        defer {
            kill(pid, SIGKILL)  // the helper this test started
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let inside = TestHost.waitUntil(timeout: 5) {
            TestHost.link("/proc/\(pid)/ns/net") != TestHost.link("/proc/self/ns/net")
                && TestHost.read("/proc/\(pid)/cmdline").hasPrefix("/bin/sleep")
        }
        try #require(inside, "the helper never entered its namespaces")
        try body(pid)
    }

    @Test func aLeakedMountIsSeen() throws {
        let host = HostSnapshot()
        try withHelperNamespace { pid in
            let before = HostSnapshot(process: "/proc/\(pid)")
            #expect(TestHost.shell("nsenter -t \(pid) -m mount -t tmpfs cfsh-leak-test /mnt") == 0)
            let leaked = HostSnapshot(process: "/proc/\(pid)").differences(from: before)
            #expect(leaked.count == 1, "\(leaked)")
            #expect(leaked.first?.hasPrefix("the mount table changed: added [") == true, "\(leaked)")
            #expect(leaked.first?.contains(" /mnt ") == true && leaked.first?.contains("cfsh-leak-test") == true, "\(leaked)")
            #expect(TestHost.shell("nsenter -t \(pid) -m umount /mnt") == 0)
            #expect(HostSnapshot(process: "/proc/\(pid)").differences(from: before) == [])
        }
        #expect(HostSnapshot().differences(from: host) == [], "the host itself never changed")
    }

    @Test func aLeakedNetworkLinkIsSeen() throws {
        let host = HostSnapshot()
        try withHelperNamespace { pid in
            let before = HostSnapshot(process: "/proc/\(pid)")
            #expect(before.links == ["lo"])
            #expect(TestHost.shell("nsenter -t \(pid) -n ip tuntap add mode tun name cfshleak0") == 0)
            let leaked = HostSnapshot(process: "/proc/\(pid)").differences(from: before)
            #expect(leaked == ["network links changed: added [\"cfshleak0\"], removed []"])
            #expect(TestHost.shell("nsenter -t \(pid) -n ip link delete cfshleak0") == 0)
            #expect(HostSnapshot(process: "/proc/\(pid)").differences(from: before) == [])
        }
        #expect(HostSnapshot().differences(from: host) == [], "the host itself never changed")
    }

    @Test func aLeakedDescriptorOfTheRunnerIsSeen() {
        let before = HostSnapshot()
        let fd = open("/dev/null", O_RDONLY)
        let leaked = HostSnapshot().differences(from: before)
        close(fd)
        #expect(leaked == ["the test runner's open descriptors changed: added [\"\(fd) -> /dev/null\"], removed []"])
        #expect(HostSnapshot().differences(from: before) == [])
    }

    /// A process the sandbox leaves running, with its environment cleared (so no marker
    /// is left to find it by): found by its session, which cfsh's run leads.
    @Test func aLeakedProcessWithAClearedEnvironmentIsSeen() throws {
        try requireHost(.sandbox)
        SandboxCounter.forgetSessions()
        defer { SandboxCounter.forgetSessions() }
        let marker = UUID().uuidString
        let run = TestHost.run(["-c", "clear env; exec /bin/sh -c '/bin/sleep 30 </dev/null >/dev/null 2>&1 & echo $!'"],
                               marker: marker)
        #expect(run.status == 0, "\(run.stderr)")
        let sleeper = try #require(Int32(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(sleeper, SIGKILL) }  // the process this test started, if still there
        #expect(TestHost.read("/proc/\(sleeper)/cmdline").hasPrefix("/bin/sleep\0"))
        #expect(!TestHost.read("/proc/\(sleeper)/environ").contains("CFSH_SANDBOX_TEST"), "clear env kept the marker")
        let left = HostSnapshot.leftovers(marker: marker, timeout: 0.2)
        #expect(left.count == 1 && left.first?.hasPrefix("\(sleeper) in session ") == true, "\(left)")
        HostSnapshot.end(left)
        #expect(TestHost.waitUntil(timeout: 5) { !TestHost.read("/proc/\(sleeper)/stat").contains(" S ") })
        #expect(HostSnapshot.leftovers(marker: marker) == [])
    }

    /// A bind of the canary without `ro` — what a regression of `ro` would do — lets the
    /// sandbox write there, and the snapshot sees it. With `ro` nothing changes.
    @Test func aWriteThroughAFailedReadOnlyBindIsSeen() throws {
        try requireHost(.sandbox)
        let canary = TestHost.canary
        let before = HostSnapshot()
        defer { unlink(canary + "/leak") }
        let written = TestHost.run(["-c", "unshare mount; mount bind \(canary) \(canary); exec sh -c 'echo leaked > \(canary)/leak'"])
        #expect(written.status == 0, "\(written.stderr)")
        let leaked = HostSnapshot().differences(from: before)
        #expect(leaked.count == 1 && leaked.first?.hasPrefix("the read-only canary directory changed: added [\"leak size=7") == true, "\(leaked)")
        unlink(canary + "/leak")
        #expect(HostSnapshot().differences(from: before) == [])

        let refused = TestHost.run(["-c", "unshare mount; mount bind \(canary) \(canary) ro; exec sh -c 'echo leaked > \(canary)/leak || echo refused'"])
        #expect(refused.status == 0, "\(refused.stderr)")
        #expect(refused.stdout == "refused\n", "\(refused.stdout)")
        #expect(HostSnapshot().differences(from: before) == [])
    }

    /// A command that writes `>/dev/null` in a chroot without `mount dev /dev` makes a
    /// regular file in the rootfs every test shares (it happened: one test left
    /// `dev/null` there for the next). The snapshot sees it; with `mount dev /dev` the
    /// write goes to the device and nothing changes.
    @Test func aWriteIntoTheSharedRootfsIsSeen() throws {
        try requireHost(.sandbox)
        let rootfs = TestHost.rootfs
        let before = HostSnapshot()
        defer { unlink(rootfs + "/dev/null") }
        let written = TestHost.run(["-c", "unshare mount; chroot \(rootfs); exec sh -c 'echo x >/dev/null'"])
        #expect(written.status == 0, "\(written.stderr)")
        let leaked = HostSnapshot().differences(from: before)
        #expect(leaked.count == 1 && leaked.first?.hasPrefix("the shared test rootfs \(rootfs) changed: added [\"dev/null mode=100") == true, "\(leaked)")
        unlink(rootfs + "/dev/null")
        #expect(HostSnapshot().differences(from: before) == [])

        let device = TestHost.run(["-c", "unshare mount; chroot \(rootfs); mount dev /dev; exec sh -c 'echo x >/dev/null'"])
        #expect(device.status == 0, "\(device.stderr)")
        #expect(HostSnapshot().differences(from: before) == [])
    }
}
