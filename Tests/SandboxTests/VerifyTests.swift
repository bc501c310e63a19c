import CFSLanguage
import Foundation
import Glibc
import Testing
import TestSupport
@testable import Sandbox

/// `verify`'s comparison with fake /proc text: what each row expects, and that every
/// difference is a ✗ that shows what was found.
@Suite struct VerifyComparisonTests {
    class FakeView: ProcessView {
        var files: [String: String] = [:]
        var links: [String: String] = [:]
        var identities: [String: String] = [:]
        var directories: [String: [String]] = [:]
        var names: (host: String, domain: String)? = ("c", "(none)")
        func read(_ path: String) -> String? { files[path] }
        func link(_ path: String) -> String? { links[path] }
        func identity(_ path: String) -> String? { identities[path] }
        func entries(_ path: String) -> [String]? { directories[path] }
        func utsNames(_ pid: pid_t) -> (host: String, domain: String)? { names }
    }

    static let planText = """
        unshare uts pid mount
        set hostname c
        chroot /r
        mount proc /proc
        mount tmpfs /tmp ro,nosuid
        rlimit nofile 100:200
        cap drop net_raw
        limit pids 20
        set env A=1
        exec sleep 1

        """

    func plan() throws -> Plan { try decodeRun(Self.planText).plan }

    let context = VerifyContext(plannedRoot: "/r", invokingUID: 0, invokingGID: 0, invokingIsRoot: true)

    /// A process that is exactly what the plan says.
    func correctProcess() -> FakeView {
        let view = FakeView()
        let namespaces = ["uts": 10, "pid": 11, "mnt": 12, "ipc": 13, "net": 14, "user": 15, "cgroup": 16, "time": 17]
        for (name, inode) in namespaces {
            view.links["/proc/self/ns/\(name)"] = "\(name):[\(inode)]"
            let new = ["uts", "pid", "mnt"].contains(name)
            view.links["/proc/42/ns/\(name)"] = "\(name):[\(new ? inode + 100 : inode)]"
        }
        view.links["/proc/42/root"] = "/r"
        view.identities["/r"] = "8:100"
        view.identities["/proc/42/root"] = "8:100"
        view.files["/proc/sys/kernel/hostname"] = "host\n"
        view.files["/proc/sys/kernel/domainname"] = "(none)\n"
        view.files["/proc/sys/kernel/cap_last_cap"] = "40\n"
        for file in ["/proc/self/uid_map", "/proc/self/gid_map", "/proc/42/uid_map", "/proc/42/gid_map"] {
            view.files[file] = "         0          0 4294967295\n"
        }
        let all = "000001ffffffffff", withoutNetRaw = "000001ffffffdfff"
        view.files["/proc/self/status"] = "Name:\tcfsh\nState:\tR (running)\nCapEff:\t\(all)\nCapBnd:\t\(all)\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
        view.files["/proc/42/status"] = "Name:\tsleep\nState:\tS (sleeping)\nCapEff:\t\(withoutNetRaw)\nCapBnd:\t\(withoutNetRaw)\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\n"
        view.files["/proc/42/limits"] = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            100                  200                  files

            """
        view.files["/proc/42/mountinfo"] = """
            300 200 8:1 /r / rw,relatime - ext4 /dev/sda1 rw
            301 300 0:50 / /proc rw,relatime - proc proc rw
            302 300 0:51 / /tmp ro,nosuid,relatime - tmpfs tmpfs rw

            """
        view.directories["/proc/42/fd"] = ["0", "1", "2"]
        view.files["/sys/fs/cgroup/cgroup.controllers"] = "cpu memory pids\n"
        view.files["/proc/42/cgroup"] = "0::/user.slice/cfsh-41\n"
        view.files["/sys/fs/cgroup/user.slice/cfsh-41/pids.max"] = "20\n"
        view.files["/proc/42/environ"] = "PATH=/bin\0A=1\0"
        return view
    }

    @Test func aProcessAsPlannedHasARowForEachPropertyAllChecked() throws {
        let report = verifyProcess(42, plan: try plan(), context: context, view: correctProcess())
        #expect(report.passed, "\(report.text)")
        #expect(report.rows.map(\.property) == [
            "namespace uts", "namespace pid", "namespace mount", "namespace ipc", "namespace net",
            "namespace user", "namespace cgroup", "namespace time", "root", "hostname", "domainname",
            "uid_map", "gid_map", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "rlimit nofile",
            "mount /proc", "mount /tmp", "mount propagation", "open fds", "cgroup pids.max", "env A",
        ])
        #expect(report.text.contains("✓ hostname"))
        #expect(!report.text.contains("✗"))
    }

    @Test func everyDifferenceIsACrossWithWhatWasFound() throws {
        let view = correctProcess()
        view.links["/proc/42/ns/uts"] = "uts:[10]"  // cfsh's own: not unshared
        view.links["/proc/42/ns/net"] = "net:[99]"  // a new one the plan did not ask for
        view.identities["/proc/42/root"] = "8:2"
        view.names = ("x", "(none)")
        view.files["/proc/42/status"] = view.files["/proc/42/status"]!.replacingOccurrences(
            of: "CapEff:\t000001ffffffdfff", with: "CapEff:\t000001ffffffffff")
            .replacingOccurrences(of: "NoNewPrivs:\t0", with: "NoNewPrivs:\t1")
        view.files["/proc/42/limits"] = "Max open files            1024                 4096                 files\n"
        view.files["/proc/42/mountinfo"] = """
            300 200 8:1 /r / rw,relatime shared:1 - ext4 /dev/sda1 rw
            302 300 0:51 / /tmp rw,nosuid,relatime - tmpfs tmpfs rw

            """
        view.directories["/proc/42/fd"] = ["0", "1", "2", "7"]
        view.links["/proc/42/fd/7"] = "pipe:[5]"
        view.files["/sys/fs/cgroup/user.slice/cfsh-41/pids.max"] = "max\n"
        view.files["/proc/42/environ"] = "PATH=/bin\0"
        let report = verifyProcess(42, plan: try plan(), context: context, view: view)
        #expect(!report.passed)
        let failed = Dictionary(uniqueKeysWithValues: report.rows.filter { !$0.ok }.map { ($0.property, $0.found) })
        #expect(failed == [
            "namespace uts": "uts:[10]",
            "namespace net": "net:[99]",
            "root": "/r (8:2)",
            "hostname": "host",  // in cfsh's own UTS namespace: cfsh's name, read without setns
            "CapEff": "000001ffffffffff (extra net_raw)",
            "NoNewPrivs": "1",
            "rlimit nofile": "1024 4096",
            "mount /proc": "not a mount point",
            "mount /tmp": "tmpfs rw,nosuid,relatime private",
            "mount propagation": "shared: /",
            "open fds": "0 1 2 7→pipe:[5]",
            "cgroup pids.max": "max (/user.slice/cfsh-41)",
            "env A": "unset",
        ], "\(report.text)")
        #expect(report.text.contains("  ✗ hostname "))
        #expect(report.text.contains("expected: c "))
    }

    @Test func aProcessThatHasEndedIsSaidOnceNotAsATableOfCrosses() throws {
        let view = correctProcess()
        view.files["/proc/42/status"] = nil
        let gone = verifyProcess(42, plan: try plan(), context: context, view: view)
        #expect(!gone.passed && gone.rows.isEmpty && gone.text.contains("does not exist"))
        view.files["/proc/42/status"] = "Name:\tsleep\nState:\tZ (zombie)\n"
        #expect(verifyProcess(42, plan: try plan(), context: context, view: view).problem?.contains("zombie") == true)
        // Ending while being read: what is gone is not reported as different.
        final class EndingView: FakeView {
            var reads = 0
            override func read(_ path: String) -> String? {
                if path == "/proc/42/status" { reads += 1; if reads > 2 { return nil } }
                return super.read(path)
            }
        }
        let ending = EndingView()
        let correct = correctProcess()
        (ending.files, ending.links, ending.identities, ending.directories) =
            (correct.files, correct.links, correct.identities, [:])
        let report = verifyProcess(42, plan: try plan(), context: context, view: ending)
        #expect(report.problem == "process 42 ended while it was being checked" && report.rows.isEmpty)
    }

    @Test func aNewUserNamespaceExpectsItsMapsAndTheFullBoundingSet() throws {
        let plan = try decodeRun("unshare user\nmap uid 0 1000 1\nset user 0\nexec x\n").plan
        let view = correctProcess()
        view.files["/proc/self/status"] = view.files["/proc/self/status"]!.replacingOccurrences(
            of: "CapBnd:\t000001ffffffffff", with: "CapBnd:\t000001fffeffffff")
        view.files["/proc/42/uid_map"] = "0 1000 1\n"
        view.files["/proc/42/gid_map"] = "0 0 1\n"
        var context = self.context
        context.invokingGID = 0
        let rows = verifyRows(42, plan: plan, context: context, view: view)
        #expect(rows.first { $0.property == "uid_map" }?.ok == true)
        #expect(rows.first { $0.property == "gid_map" }?.expected == "0 0 1")
        #expect(rows.first { $0.property == "CapBnd" }?.expected == "000001ffffffffff")
        // uid 0 inside is 1000 outside, as /proc read from the host says it.
        #expect(rows.first { $0.property == "uid" }?.expected == "1000 1000 1000 1000")
        #expect(mapped(5, [IDMap(inside: 0, outside: 100000, count: 65536)], invoking: 0) == 100005)
        #expect(mapped(7, [], invoking: 1000) == nil)
    }

    @Test func procTextIsReadAsTheKernelWritesIt() {
        let entries = parseMountinfo("36 35 98:0 /mnt1 /mnt/a\\040b rw,noatime master:1 shared:2 - ext3 /dev/root rw\n")
        #expect(entries == [MountinfoEntry(mountPoint: "/mnt/a b", options: "rw,noatime", type: "ext3",
                                           optional: ["master:1", "shared:2"])])
        #expect(entries[0].shared)
        let limits = "Max stack size            8388608              unlimited            bytes\n"
        #expect(resourceLimitLine(.stack, in: limits) == "8388608 unlimited")
        #expect(resourceLimitLine(.nofile, in: limits) == nil)
        let v1 = "12:pids:/a/cfsh-9\n4:cpu,cpuacct:/b\n0::/c\n"
        #expect(cgroupPath("pids", in: v1) == "/a/cfsh-9")
        #expect(cgroupPath("cpu", in: v1) == "/b")
        #expect(cgroupPath(nil, in: v1) == "/c")
        #expect(mapText("         0       1000          1\n         1     100000      65536\n") == "0 1000 1, 1 100000 65536")
        #expect(normalizedTarget("proc//") == "/proc")
    }

    @Test func theReadsGoThroughTheKernelSeam() {
        let kernel = RecordingKernel()
        kernel.files["/proc/7/fd"] = "0\n1\n2\n"
        let view = KernelProcessView(kernel: kernel)
        _ = view.link("/proc/7/ns/uts")
        _ = view.identity("/proc/7/root")
        _ = view.entries("/proc/7/fd")
        _ = view.utsNames(7)
        #expect(kernel.calls == [
            "parent: readlink(\"/proc/7/ns/uts\")",
            "parent: stat(\"/proc/7/root\")",
            "parent: getdents64(open(\"/proc/7/fd\", O_DIRECTORY))",
            "parent: fork() → setns(open(\"/proc/7/ns/uts\"), CLONE_NEWUTS) (on EPERM: setns(open(\"/proc/7/ns/user\"), CLONE_NEWUSER) first), uname()",
        ])
    }
}

/// Where verify looks for each mount: from the process's final root (mountinfo's view).
@Suite struct SeenMountsTests {
    func seen(_ steps: [Step], cwd: String = "/home/u") -> [String] {
        seenMounts(makePlan([.mount], steps), workingDirectory: cwd).map(\.target)
    }

    @Test func aMountBeforeTheRootChangeIsSeenBelowTheNewRoot() {
        #expect(seen([mountStep(.proc, "/r/proc"), .pivotRoot("/r")]) == ["/proc"])
        #expect(seen([mountStep(.proc, "rootfs/proc"), .pivotRoot("rootfs")]) == ["/proc"], "relative: from cfsh's cwd")
        #expect(seen([mountStep(.tmpfs, "/r"), .chroot("/r/")]) == ["/"])
        #expect(seen([.chroot("/r"), mountStep(.proc, "proc")]) == ["/proc"], "after a root change: from /")
        #expect(seen([.chdir("/r"), mountStep(.proc, "./proc/"), .chroot(".")]) == ["/proc"])
    }

    @Test func aMountOutsideTheNewRootIsNotSeenAndUmountRemovesOne() {
        #expect(seen([mountStep(.proc, "/proc"), .pivotRoot("/r")]) == [])
        #expect(seen([mountStep(.tmpfs, "/mnt"), mountStep(.proc, "/proc"), .umount(target: "/mnt")]) == ["/proc"])
        #expect(seen([mountStep(.tmpfs, "/r/../mnt"), mountStep(.proc, "/mnt")]) == ["/mnt"], "the last mount on a target")
    }
}

/// `verify` for real (root): a sandbox built from the plan is all ✓; other processes
/// show ✗ where they differ; the host is unchanged.
@Suite(.serialized, .needs(.sandbox))
struct VerifyIntegrationTests {
    let rootfs = TestHost.rootfs

    func failedRows(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("  ✗ ") }
            .compactMap { $0.dropFirst(4).components(separatedBy: "  ").first }
    }

    @Test func theSandboxOfACorrectPlanVerifiesAllChecked() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", """
                unshare uts pid mount ipc; set hostname c; set domainname d; chroot \(rootfs)
                mount proc /proc; mount tmpfs /tmp ro,nosuid,nodev; rlimit nofile 100:200
                cap drop net_raw sys_time; no_new_privs; limit pids 20; set env A=1; unset env HOME
                verify
                """], marker: marker)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(failedRows(run.stdout) == [])
            for row in ["hostname", "domainname", "root", "namespace uts", "namespace net", "CapBnd", "NoNewPrivs",
                        "rlimit nofile", "mount /tmp", "mount propagation", "open fds", "cgroup pids.max", "env HOME"] {
                #expect(run.stdout.contains("  ✓ \(row) "), "\(row): \(run.stdout)")
            }
        }
    }

    @Test func pivotRootAndAUserNamespaceVerifyToo() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", """
                unshare user uts mount; map uid 0 0 2000; map gid 0 0 2000; set user 1000:1000
                pivot_root \(rootfs); clear env; set env PATH=/bin; verify
                """], marker: marker)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(failedRows(run.stdout) == [])
            #expect(run.stdout.contains("  ✓ CapEff ") && run.stdout.contains("expected: 0000000000000000"))
        }
    }

    /// Rootless, the new UTS namespace belongs to the new user namespace: the helper that
    /// reads the names joins that first (the lessons' rootless step, as uid 65534).
    @Test func rootlessTheNamesAreReadInsideTheSandboxsUserNamespace() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts; set hostname c; set domainname d; verify"],
                                   marker: marker, user: "65534")
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(failedRows(run.stdout) == [])
            #expect(run.stdout.contains("  ✓ hostname ") && run.stdout.contains("  ✓ domainname "), "\(run.stdout)")
        }
    }

    /// A mount made before a root change is where the new root puts it: `mount proc
    /// R/proc; pivot_root R` is /proc in the sandbox (mountinfo's mount points are
    /// relative to the process's root, proc(5)). Rootless this is the only way to mount
    /// proc with pivot_root; relative paths are from cfsh's working directory.
    @Test func aMountBeforePivotRootIsCheckedWhereTheNewRootPutsIt() throws {
        let parent = (rootfs as NSString).deletingLastPathComponent
        let name = (rootfs as NSString).lastPathComponent
        for user in [nil, "65534"] {
            withHostUnchanged { marker in
                let run = TestHost.run(["-c", "unshare user mount pid; mount proc \(name)/proc; pivot_root \(name); verify"],
                                       marker: marker, user: user, directory: parent)
                #expect(run.status == 0, "\(user ?? "root"): \(run.stdout)\(run.stderr)")
                #expect(failedRows(run.stdout) == [])
                #expect(run.stdout.contains("  ✓ mount /proc "), "\(run.stdout)")
            }
        }
    }

    @Test func theTestRunnerIsNotTheSandboxThePlanDescribes() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare uts pid mount; set hostname c; verify \(getpid())"], marker: marker)
            #expect(run.status == 1)
            let failed = failedRows(run.stdout)
            #expect(failed.contains("namespace uts") && failed.contains("namespace pid")
                    && failed.contains("namespace mount") && failed.contains("hostname"), "\(run.stdout)")
            #expect(!failed.contains("namespace net") && !failed.contains("root"), "\(run.stdout)")
        }
    }

    @Test func aProcessOfUnshareWithFewerNamespacesGetsCrossesForTheMissingOnes() throws {
        // unshare(1) is part of `.sandbox` (it is what asks the host for namespaces).
        try withHostUnchanged { marker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments = ["--uts", "sleep", "10"]
            process.environment = ["CFSH_SANDBOX_TEST": marker, "PATH": "/usr/bin:/bin"]
            try process.run()
            defer {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            usleep(200_000)
            let run = TestHost.run(["-c", "unshare uts pid; verify \(process.processIdentifier)"], marker: marker)
            #expect(run.status == 1)
            #expect(run.stdout.contains("  ✓ namespace uts "), "\(run.stdout)")
            #expect(failedRows(run.stdout).contains("namespace pid"), "\(run.stdout)")
        }
    }

    /// The issue's case: a bubblewrap sandbox with what the plan asks for, and more.
    @Test(.needs(.bwrap)) func aBwrapSandboxIsCheckedForWhatItSharesWithThePlanAndWhatDiffers() throws {
        try requireHost(.bwrap)
        try withHostUnchanged { marker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/bwrap")
            process.arguments = ["--die-with-parent", "--unshare-uts", "--unshare-pid", "--hostname", "c", "--bind", "/", "/", "sleep", "10"]
            process.environment = ["CFSH_SANDBOX_TEST": marker, "PATH": "/usr/bin:/bin"]
            try process.run()
            defer {
                Glibc.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
            var sleeper = process.processIdentifier
            for _ in 0..<50 {
                sleeper = command(under: process.processIdentifier)
                if TestHost.read("/proc/\(sleeper)/comm") == "sleep\n" { break }
                usleep(20_000)
            }
            let run = TestHost.run(["-c", "unshare uts pid; set hostname c; verify \(sleeper)"], marker: marker)
            #expect(run.status == 1)
            for row in ["namespace uts", "namespace pid", "hostname", "root", "CapBnd"] {
                #expect(run.stdout.contains("  ✓ \(row) "), "\(row): \(run.stdout)")
            }
            // bwrap always makes a mount namespace and sets no_new_privs: the plan has neither.
            let failed = failedRows(run.stdout)
            #expect(failed.contains("namespace mount") && failed.contains("NoNewPrivs"), "\(run.stdout)")
            #expect(run.stdout.contains("found: 1"))
        }
    }

    /// The leaf of the process tree under `pid` (cfsh → its child, the init → the command).
    func command(under pid: pid_t) -> pid_t {
        var current = pid
        while let next = TestHost.read("/proc/\(current)/task/\(current)/children")
            .split(separator: " ").first.flatMap({ pid_t(String($0)) }) {
            current = next
        }
        return current
    }

    @Test func aCommandThatRenamesItsSandboxGetsACrossForTheHostname() {
        withHostUnchanged { marker in
            var verified: TestHost.Run?
            let script = "unshare uts pid; set hostname c; exec sh -c 'hostname x; exec sleep 2'"
            let run = TestHost.run(["-c", script], marker: marker) { cfsh in
                // Poll (with a deadline) until the command has renamed and become sleep.
                var pid = command(under: cfsh)
                for _ in 0..<250 where TestHost.read("/proc/\(pid)/comm") != "sleep\n" {
                    usleep(20_000)
                    pid = command(under: cfsh)
                }
                verified = TestHost.run(["-c", "unshare uts pid; set hostname c; verify \(pid)"], marker: marker)
            }
            #expect(run.status == 0)
            #expect(verified?.status == 1)
            #expect(failedRows(verified?.stdout ?? "") == ["hostname"], "\(verified?.stdout ?? "")")
            #expect(verified?.stdout.contains("found: x") == true)
        }
    }

    @Test func setVerifyOnChecksTheSandboxOfEachExecWhileItRuns() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", """
                unshare uts pid mount; set hostname c; chroot \(rootfs); mount proc /proc
                set verify on; exec sleep 0.3; exec true
                """], marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            // `sleep 0.3` is checked while it runs; `true` may be gone first (then one line says so).
            // (After lint's warning that chroot can be left: CFSLanguage/Lint.swift.)
            #expect(run.stderr.contains("\nverify ") && run.stderr.contains("20 of 20 as planned"), "\(run.stderr)")
            #expect(!run.stderr.contains("✗"), "\(run.stderr)")
        }
    }

    @Test func verifyWithoutSleepInTheRootIsRefusedBeforeAnythingRuns() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount; chroot \(empty); verify"], marker: marker)
            #expect(run.status == 2)
            #expect(run.stderr.contains("verify: the sandbox is held by running 'sleep' in it"), "\(run.stderr)")
        }
    }
}

/// `step` in a script without a terminal: the answers come from standard input (with a
/// terminal, from /dev/tty); no answer is abort, and abort leaves nothing behind.
@Suite(.serialized, .needs(.sandbox))
struct StepScriptTests {
    /// cfsh in a session of its own (setsid): no controlling terminal, whoever runs the tests.
    func stepped(_ script: String, answers: String, marker: String) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["-w", TestHost.cfsh, "-c", script]
        process.environment = ["CFSH_SANDBOX_TEST": marker, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(answers.data(using: .utf8)!)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    let plan = "unshare uts pid mount; set hostname c; chroot \(TestHost.rootfs); mount proc /proc"

    @Test func nextAndContinueRunTheCommandWithEveryStep() throws {
        try withHostUnchanged { marker in
            let run = try stepped(plan + "; step hostname", answers: "n\nc\n", marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "c\n")
            #expect(run.stderr.contains("step 1 of 3 applied: set hostname c\n  <command line>:1:24: "))
            #expect(run.stderr.contains("step 2 of 3 applied: chroot "))
            #expect(!run.stderr.contains("step 3 of 3"))
        }
    }

    @Test func abortAndEndOfInputTearTheSandboxDown() throws {
        try withHostUnchanged { marker in
            for (answers, shown) in [("n\na\n", "step 2 (<command line>:1:40)"), ("", "step 1 (<command line>:1:24)")] {
                let run = try stepped(plan + "; step sh -c 'echo ran'", answers: answers, marker: marker)
                #expect(run.status == 125)
                #expect(run.stdout.isEmpty)
                #expect(run.stderr.hasSuffix("step: aborted after \(shown); the sandbox is torn down\n"), "\(run.stderr)")
            }
        }
    }
}
