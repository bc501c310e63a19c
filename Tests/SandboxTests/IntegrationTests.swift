import CFSLanguage
import Foundation
import Glibc
import Testing
import TestSupport
@testable import Sandbox

/// The talk's six steps, for real, as root (issue 3, item 8): each asserts what the
/// step's transcript shows. Serialized: they share the host they check.
@Suite(.serialized, .needs(.sandbox))
struct IntegrationTests {
    let rootfs = TestHost.rootfs

    func cfsh(_ script: String, _ marker: String) -> TestHost.Run {
        TestHost.run(["-c", script], marker: marker)
    }

    @Test func step1And2RunTracesTheCommandAndRunsIt() {
        withHostUnchanged { marker in
            let run = cfsh("set trace on; exec echo Hello, world", marker)
            #expect(run.status == 0)
            #expect(run.stdout == "Hello, world\n")
            #expect(run.stderr.contains("Running [echo Hello, world] as "))
            #expect(run.stderr.contains("Running in child [echo Hello, world] as "))
        }
    }

    @Test func step3UTSNamespaceHostnameInsideOnly() {
        withHostUnchanged { marker in
            let host = TestHost.read("/proc/sys/kernel/hostname").trimmingCharacters(in: .whitespacesAndNewlines)
            let run = cfsh("unshare uts; exec sh -c 'hostname; hostname container; hostname'", marker)
            #expect(run.status == 0)
            #expect(run.lines == [host, "container"])
        }
    }

    @Test func step4ChildSetsHostnameBeforeTheCommand() {
        withHostUnchanged { marker in
            let run = cfsh("set trace on; unshare uts; set hostname container; set domainname example; exec sh -c 'hostname; cat /proc/sys/kernel/domainname'", marker)
            #expect(run.status == 0)
            #expect(run.lines == ["container", "example"])
            #expect(run.stderr.contains("+ sethostname(\"container\")"))
        }
    }

    @Test func namespacesDifferFromTheHosts() throws {
        try withHostUnchanged { marker in
            let run = cfsh("unshare uts pid mount; exec sh -c 'readlink /proc/self/ns/uts /proc/self/ns/pid /proc/self/ns/mnt /proc/self/ns/net'", marker)
            let host = ["uts", "pid", "mnt", "net"].map { TestHost.link("/proc/self/ns/\($0)") }
            #expect(run.status == 0)
            try #require(run.lines.count == 4, "\(run.stdout) \(run.stderr)")
            for i in 0..<3 { #expect(run.lines[i] != host[i], "\(host[i])") }
            #expect(run.lines[3] == host[3], "net was not unshared")
        }
    }

    @Test func step5PIDNamespaceInitIsPID1AndTheCommandPID2() {
        withHostUnchanged { marker in
            let run = cfsh("set trace on; unshare pid; exec sh -c 'echo $$ $PPID'", marker)
            #expect(run.status == 0)
            #expect(run.lines == ["2 1"])
            #expect(run.stderr.contains("Running in child [sh -c echo $$ $PPID] as 1\n"))
            let parentLine = run.stderr.split(separator: "\n").first { $0.hasPrefix("Running [") }
            let hostPID = parentLine.flatMap { Int32($0.split(separator: " ").last!) }
            #expect(hostPID.map { $0 > 1 } == true)
        }
    }

    @Test func initOffMakesTheCommandPID1() {
        withHostUnchanged { marker in
            let run = cfsh("unshare pid; set init off; exec sh -c 'echo $$ $PPID'", marker)
            #expect(run.status == 0)
            #expect(run.lines == ["1 0"])
        }
    }

    @Test func step6ChrootRootIsTheRootfsAndProcIsEmpty() throws {
        try withHostUnchanged { marker in
            // The host sees the sandbox's root through /proc/PID/root while it runs.
            var seenRoot = ""
            let run = TestHost.run(["-c", "set trace on; unshare uts pid mount; set hostname container; chroot \(rootfs); exec sh -c 'ls /; echo proc:; ls /proc; sleep 1'"],
                               marker: marker) { cfsh in
                TestHost.waitUntil(timeout: 5) {
                    // The init is the only child of cfsh: its host pid is on the trace
                    // line, but the children list needs no parsing.
                    let children = TestHost.read("/proc/\(cfsh)/task/\(cfsh)/children")
                    if let pid = children.split(separator: " ").first {
                        seenRoot = TestHost.link("/proc/\(pid)/root")
                    }
                    return seenRoot == TestHost.rootfs
                }
            }
            #expect(run.status == 0, "\(run.stderr)")
            let proc = try #require(run.lines.firstIndex(of: "proc:"))
            let listed = Set(run.lines[..<proc].flatMap { $0.split(separator: " ").map(String.init) })
            #expect(listed.isSuperset(of: ["bin", "etc", "proc", "linuxrc"]))
            #expect(run.lines[(proc + 1)...].isEmpty, "/proc is empty without mount proc")
            #expect(seenRoot == TestHost.rootfs)
        }
    }

    @Test func step7MountProcPsSeesOnlyTheSandbox() {
        withHostUnchanged { marker in
            let run = cfsh("unshare uts pid mount; chroot \(rootfs); mount proc /proc; exec ps", marker)
            #expect(run.status == 0, "\(run.stderr)")
            let processes = run.lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            #expect(processes.map { $0.first.map(String.init) ?? "" } == ["1", "2"], "\(run.stdout)")
            #expect(processes.last?.last == "ps")
        }
    }

    @Test func onlyStdioIsVisibleInTheSandbox() {
        withHostUnchanged { marker in
            // The init closes its copy of the error pipe as soon as posix_spawn returns,
            // which is a few microseconds after the command starts: poll (2 s at most)
            // until it has, then look.
            let run = cfsh("unshare pid mount; chroot \(rootfs); mount proc /proc; exec sh -c 'i=0; while [ $(ls /proc/1/fd | wc -l) -gt 3 ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i+1)); done; ls /proc/1/fd; ls /proc/$$/fd; true'", marker)
            #expect(run.status == 0, "\(run.stderr)")
            // The init (PID 1) and the command (sh, PID 2): stdio only.
            // (ls runs as a child of sh, so its own directory fd is not in the listing.)
            #expect(run.stdout.split(whereSeparator: \.isWhitespace) == ["0", "1", "2", "0", "1", "2"])
        }
    }

    @Test func tmpfsAndReadOnlyBindMounts() {
        withHostUnchanged { marker in
            let run = cfsh("""
                unshare mount pid; mount bind \(TestHost.canary) \(rootfs)/root ro; \
                chroot \(rootfs); mount tmpfs /tmp size=1m,mode=700; mount proc /proc; \
                exec sh -c 'grep " /tmp \\| /root " /proc/self/mounts; touch /root/x 2>&1 || echo denied'
                """, marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("tmpfs /tmp tmpfs rw,relatime,size=1024k,mode=700"), "\(run.stdout)")
            #expect(run.lines.contains { $0.contains(" /root ") && $0.contains(" ro,") }, "\(run.stdout)")
            #expect(run.lines.last == "denied")
        }
    }

    @Test func aFailingStepIsReportedWithItsLineAndNothingLeaks() {
        withHostUnchanged { marker in
            let run = cfsh("unshare uts mount; set hostname container\nchroot \(rootfs)\nmount proc /nonexistent\nexec true", marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains(":3:1: error: mount: /nonexistent: No such file or directory"), "\(run.stderr)")
        }
    }

    @Test func signalsAreForwardedToTheSandbox() {
        withHostUnchanged { marker in
            let started = Date()
            var commandRan = false
            let run = TestHost.run(["-c", "unshare pid; exec sleep 20"], marker: marker) { cfsh in
                // Signal once the command runs: cfsh -> its init -> sleep.
                commandRan = TestHost.waitUntil(timeout: 5) {
                    let inits = TestHost.read("/proc/\(cfsh)/task/\(cfsh)/children").split(separator: " ")
                    return inits.contains { pid in
                        TestHost.read("/proc/\(pid)/task/\(pid)/children").split(separator: " ").contains {
                            TestHost.read("/proc/\($0)/cmdline").hasPrefix("sleep\0")
                        }
                    }
                }
                kill(cfsh, SIGTERM)
            }
            #expect(commandRan, "the sandbox's sleep was never seen")
            #expect(run.status == 128 + SIGTERM)
            #expect(Date().timeIntervalSince(started) < 10)
        }
    }

    // Exit codes, through the engine's API (the CLI may refuse some of these before
    // anything runs, with 2).

    func engineRun(_ namespaces: Namespaces, _ argv: [String], steps: [Step] = [],
                   initProcess: Bool = true) -> RunOutcome {
        var options = RunOptions()
        options.executable = TestHost.cfsh
        let plan = makePlan(namespaces, steps, initProcess: initProcess)
        let outcome = Sandbox.run(plan, argv: argv, options: options)
        // A run of the engine that asked for namespaces and got past their set-up.
        if !namespaces.isEmpty && outcome.status != 125 { SandboxCounter.note() }
        return outcome
    }

    @Test func exitCodes() {
        withHostUnchanged { _ in
            #expect(engineRun([], ["/nonexistent"]).status == 127)
            #expect(engineRun([.pid], ["no-such-command-cfsh"]).status == 127)
            #expect(engineRun([], ["/etc/passwd"]).status == 126)
            #expect(engineRun([.pid], ["/etc/passwd"]).status == 126)
            #expect(engineRun([], ["sh", "-c", "exit 7"]) == .exited(7))
            #expect(engineRun([.pid], ["sh", "-c", "exit 7"]) == .exited(7))
            #expect(engineRun([], ["sh", "-c", "kill -9 $$"]) == .signaled(9))
            #expect(engineRun([.pid], ["sh", "-c", "kill -9 $$"]).status == 137)
            // Without init the command is PID 1, and PID 1 ignores the signals it has no
            // handler for, even SIGKILL from itself (pid_namespaces(7)): the shell lives
            // on. This is why init is on by default.
            #expect(engineRun([.pid], ["sh", "-c", "kill -9 $$; exit 3"], initProcess: false) == .exited(3))
        }
    }

    @Test func chrootToAMissingDirectoryIs125WithTheStep() {
        withHostUnchanged { _ in
            let outcome = engineRun([.uts], ["true"], steps: [.setHostname("c"), .chroot("/nonexistent")])
            guard case .failed(let failure) = outcome else { Issue.record("\(outcome)"); return }
            #expect(failure.stepIndex == 1)
            #expect(failure.step == "chroot")
            #expect(failure.errno == ENOENT)
            #expect(failure.status == 125)
            #expect(failure.message == "chroot: /nonexistent: No such file or directory")
        }
    }

    @Test func execFailureAfterChrootNamesTheCommand() {
        withHostUnchanged { _ in
            let outcome = engineRun([.mount, .pid], ["bash"], steps: [.chroot(TestHost.rootfs)])
            guard case .failed(let failure) = outcome else { Issue.record("\(outcome)"); return }
            #expect(failure.status == 127)
            #expect(failure.stepIndex == nil)
            #expect(failure.message.hasPrefix("exec: bash: not found in PATH"))
        }
    }

    @Test func aMissingExecutableIsAReexecFailure() {
        withHostUnchanged { _ in
            var options = RunOptions()
            options.executable = "/nonexistent/cfsh"
            let outcome = Sandbox.run(makePlan([.uts]), argv: ["true"], options: options)
            #expect(outcome.status == 125)
            guard case .failed(let failure) = outcome else { Issue.record("\(outcome)"); return }
            #expect(failure.message == "clone3: re-executing /nonexistent/cfsh: No such file or directory")
        }
    }
}

/// The examples are teaching material and reproducible runs: each runs to completion
/// without a terminal, shows what its step shows, and ends with `verify`: all ✓.
@Suite(.serialized, .needs(.sandbox))
struct ExampleTests {
    func example(_ name: String, _ marker: String, user: String? = nil) -> TestHost.Run {
        TestHost.run(["\(TestHost.repository)/examples/\(name)", TestHost.rootfs], marker: marker, user: user)
    }

    /// The last verify table of a run: its heading says "N of N as planned", no row is ✗.
    static func verifiedAllChecked(_ run: TestHost.Run) -> Bool {
        guard let table = run.stdout.components(separatedBy: "\nverify ").last.map({ "verify " + $0 }),
              let heading = table.split(separator: "\n").first,
              let counts = heading.split(separator: ": ").last?.split(separator: " "), counts.count >= 3
        else { return false }
        return counts[0] == counts[2] && Int(counts[0]) ?? 0 > 10 && !table.contains("  ✗ ")
    }

    @Test func everyExampleRunsToCompletionAndVerifiesAllChecked() {
        #expect(TestHost.examples.count >= 15, "\(TestHost.examples)")
        defer { _ = TestHost.shell("rm -rf '\(TestHost.rootfs)-overlay'") }
        for name in TestHost.examples {
            withHostUnchanged { marker in
                let run = example(name, marker)
                #expect(run.status == 0, "\(name): \(run.stderr)")
                if name != "step3.cfs" { #expect(run.stderr.contains("Running ["), "\(name)") }
                #expect(Self.verifiedAllChecked(run), "\(name): \(run.stdout)")
            }
        }
    }

    /// What the README's table of lessons 8-15 says each shows.
    @Test func theLessonsBeyondTheTalkShowWhatTheySay() {
        defer { _ = TestHost.shell("rm -rf '\(TestHost.rootfs)-overlay'") }
        func lines(_ name: String) -> [String] {
            var result: [String] = []
            withHostUnchanged { marker in
                let run = example(name, marker)
                #expect(run.status == 0, "\(name): \(run.stderr)")
                result = run.lines
                if name.hasPrefix("step11") { #expect(run.stderr.contains("Cannot fork"), "\(run.stderr)") }
            }
            return result
        }
        func after(_ heading: String, in lines: [String], _ count: Int) -> [String] {
            guard let at = lines.firstIndex(where: { $0.hasPrefix(heading) }) else { return [] }
            return Array(lines[(at + 1)...].prefix(count))
        }
        let pivot = lines("step8-pivot-root.cfs")
        #expect(after("after chroot", in: pivot, 2) == ["/proc proc (its filesystem from /)", "after pivot_root: the sandbox's mounts"], "\(pivot)")
        let pivoted = after("after pivot_root", in: pivot, 3)
        #expect(pivoted.first?.hasPrefix("/ ") == true && pivoted.first?.hasSuffix("(its filesystem from \(TestHost.rootfs))") == true, "\(pivot)")
        #expect(pivoted.dropFirst().first == "/proc proc (its filesystem from /)" && pivoted.last?.hasPrefix("verify ") == true, "\(pivot)")

        let mapped = lines("step9-user-map.cfs")
        #expect(after("from the host", in: mapped, 1) == ["100000 100000 sleep 1"], "\(mapped)")
        let inside = after("inside: id", in: mapped, 4)
        #expect(inside.first == "uid=0(root) gid=0(root)" && inside.dropFirst().first?.split(separator: " ") == ["0", "100000", "65536"], "\(mapped)")
        #expect(inside.dropFirst(2).first?.contains(" 65534    65534 ") == true && inside.last == "refused: host root owns /etc", "\(mapped)")

        let rootless = lines("step10-rootless.cfs")
        #expect(after("inside: id", in: rootless, 4).dropFirst() == ["         0          0          1", "allow", "container"], "\(rootless)")

        let limited = lines("step11-cgroups.cfs")
        #expect(limited.contains("pids.max:16"), "\(limited)")
        #expect(limited.contains("memory.limit_in_bytes:67108864") || limited.contains("memory.max:67108864"), "\(limited)")
        #expect(after("inside: starting 30", in: limited, 1) == ["1 2 3 4 5 6 7 8 9 10 11 12 13 "], "\(limited)")

        let capped = lines("step12-capabilities.cfs")
        let bounding = capped.first { $0.hasPrefix("CapBnd:") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) } ?? ~0
        #expect(bounding & (1 << 21 | 1 << 18 | 1 << 13) == 0 && bounding & 1 == 1, "\(capped)")
        #expect(capped.contains("NoNewPrivs:\t1") && capped.contains("hostname: refused") && capped.contains("chroot: refused"), "\(capped)")

        let network = lines("step13-network.cfs")
        let before = after("inside, before net up lo", in: network, 2), up = after("inside, after net up lo", in: network, 2)
        #expect(before.first?.hasPrefix("1: lo: <LOOPBACK>") == true && before.last == "ping: sendto: Network is unreachable", "\(network)")
        #expect(up.first?.hasPrefix("1: lo: <LOOPBACK,UP,LOWER_UP>") == true && up.last?.hasPrefix("round-trip") == true, "\(network)")

        let overlay = lines("step14-overlay.cfs")
        #expect(overlay.contains("changed") && overlay.contains("linuxrc"), "\(overlay)")
        #expect(after("from the host", in: overlay, 3) == ["container", "upper/etc/hostname", "merged: []"], "\(overlay)")
        #expect(TestHost.read(TestHost.rootfs + "/etc/hostname") == "container\n")

        let devices = lines("step15-devices.cfs")
        #expect(after("inside, before mount dev", in: devices, 1) == ["/dev: []"], "\(devices)")
        #expect(after("inside, after mount dev", in: devices, 3).prefix(2) == ["fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ", "/dev/null: written"], "\(devices)")
        #expect(devices.contains("ls: /dev/vda: No such file or directory"), "\(devices)")
    }

    /// The rootless lesson needs no root: as uid 65534 too, its verify is all ✓.
    @Test func theRootlessLessonAsAnUnprivilegedUser() {
        withHostUnchanged { marker in
            let run = example("step10-rootless.cfs", marker, user: "65534")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.contains { $0.hasPrefix("uid=0(root) gid=0(root)") }, "\(run.stdout)")
            #expect(run.lines.contains { $0.split(separator: " ") == ["0", "65534", "1"] }, "\(run.stdout)")
            #expect(run.lines.contains("deny") && run.lines.contains("container"), "\(run.stdout)")
            #expect(Self.verifiedAllChecked(run), "\(run.stdout)")
        }
    }

    @Test func step6ShowsTheChrootFromBothSides() {
        withHostUnchanged { marker in
            let run = example("step6.cfs", marker)
            let host = TestHost.read("/proc/sys/kernel/hostname").trimmingCharacters(in: .whitespacesAndNewlines)
            // The host's side first: its own hostname while a sandbox named container
            // runs, and /proc/PID/root of that sandbox's PID 1.
            #expect(run.lines.dropFirst(2).first == host, "\(run.stdout)")
            #expect(run.lines.contains { $0.hasSuffix("/root -> \(TestHost.rootfs)") }, "\(run.stdout)")
            // Then inside: its hostname and an empty /proc.
            #expect(run.lines.contains("container"))
            #expect(run.lines.contains("/proc: []"))
        }
    }

    @Test func step7PsListsOnlyTheSandbox() {
        withHostUnchanged { marker in
            let run = example("step7-proc.cfs", marker)
            let pids = run.lines.dropFirst(2).compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
            #expect(pids == [1, 2], "\(run.stdout)")
        }
    }
}

/// `unshare user`, for real: as root, and as an unprivileged user (uid 65534) the way
/// `unshare -r` works.
@Suite(.serialized, .needs(.sandbox))
struct UserNamespaceIntegrationTests {
    let nobody = "65534"

    @Test func asRootTheUserIsRootInsideAndTheHostnameIsTheSandboxs() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts; set hostname c; exec sh -c 'id -u; hostname; cat /proc/self/uid_map'"], marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.prefix(2) == ["0", "c"])
            #expect(run.lines.last?.split(separator: " ") == ["0", "0", "1"])
        }
    }

    @Test func rootlessTheInvokingUserBecomesRootAndCanRenameTheSandbox() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts; set hostname c; exec sh -c 'id -u; hostname; cat /proc/self/uid_map /proc/self/setgroups'"],
                                   marker: marker, user: nobody)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.prefix(2) == ["0", "c"])
            #expect(run.lines.dropFirst(2).first?.split(separator: " ") == ["0", "65534", "1"])
            #expect(run.lines.last == "deny")
        }
    }

    // What this kernel allows an unprivileged user is asked of unshare(1) (-rmpf).
    @Test(.needs(.rootless)) func rootlessChrootAndProcInANewPIDNamespace() {
        withHostUnchanged(requiring: .rootless) { marker in
            let run = TestHost.run(["-c", "unshare user mount pid; chroot \(TestHost.rootfs); mount proc /proc; exec ps"],
                                   marker: marker, user: nobody)
            #expect(run.status == 0, "\(run.stderr)")
            let pids = run.lines.dropFirst().compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
            #expect(pids == [1, 2], "\(run.stdout)")
        }
    }

    @Test func rootlessMappingSomeoneElsesUIDFailsCleanly() {
        withHostUnchanged { marker in
            // Refused before anything runs (the kernel would refuse the uid_map write: EPERM).
            let run = TestHost.run(["-c", "unshare user; map uid 0 0 1; exec id"], marker: marker, user: nobody)
            #expect(run.status == 2)
            #expect(run.stderr.contains("without root only your own uid can be mapped, in one line: uid 65534"), "\(run.stderr)")
            #expect(run.stderr.contains("map uid 0 65534 1"), "the fix: \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
    }

    @Test func rootlessSetUserSaysWhySetgroupsIsDenied() {
        withHostUnchanged { marker in
            // Refused before anything runs: setgroups(2) is denied rootless.
            let run = TestHost.run(["-c", "unshare user; set user 0; exec id"], marker: marker, user: nobody)
            #expect(run.status == 2)
            #expect(run.stderr.contains("'set user' needs cfsh run as root: rootless, setgroups(2) is denied"), "\(run.stderr)")
        }
    }
}

/// `pivot_root`, for real: the old root is gone, not just out of sight.
@Suite(.serialized, .needs(.sandbox))
struct PivotRootIntegrationTests {
    let nobody = "65534"

    /// Mount points of the sandbox, from its /proc/self/mountinfo lines.
    func mountPoints(_ lines: [String]) -> [String] {
        lines.filter { $0.split(separator: " ").count > 6 }.map { String($0.split(separator: " ")[4]) }
    }

    @Test func asRootTheRootfsIsRootAndNoHostMountIsLeft() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount pid; pivot_root \(TestHost.rootfs); mount proc /proc; exec sh -c 'ls /; echo mounts:; cat /proc/self/mountinfo; pwd'"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            let split = run.lines.firstIndex(of: "mounts:") ?? 0
            #expect(Set(run.lines[..<split]).isSuperset(of: ["bin", "etc", "linuxrc", "proc"]))
            #expect(mountPoints(Array(run.lines[split...])) == ["/", "/proc"], "\(run.stdout)")
            #expect(run.lines.last == "/")
        }
    }

    @Test func rootlessWithProcMountedBeforeThePivot() {
        // The kernel lets a user namespace mount proc only while a full proc is visible
        // in its mount namespace (mount_namespaces(7)); after the pivot there is none.
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user mount pid; mount proc \(TestHost.rootfs)/proc; pivot_root \(TestHost.rootfs); exec sh -c 'ls /; echo mounts:; cat /proc/self/mountinfo'"],
                                   marker: marker, user: nobody)
            #expect(run.status == 0, "\(run.stderr)")
            let split = run.lines.firstIndex(of: "mounts:") ?? 0
            #expect(run.lines[..<split].contains("linuxrc"))
            #expect(mountPoints(Array(run.lines[split...])) == ["/", "/proc"], "\(run.stdout)")
        }
    }
}

/// rlimit, cap and no_new_privs, for real: what the command's /proc/self/status says.
@Suite(.serialized, .needs(.sandbox))
struct PrivilegeIntegrationTests {
    func status(_ run: TestHost.Run, _ field: String) -> String? {
        run.lines.first { $0.hasPrefix(field + ":") }?.split(separator: "\t").last.map(String.init)
    }

    let show = "exec sh -c 'ulimit -Sn; ulimit -Hn; grep -E \"^Cap|NoNewPrivs\" /proc/self/status'"

    @Test func asRoot() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "rlimit nofile 100:200; no_new_privs; cap drop sys_admin net_raw; \(show)"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.prefix(2) == ["100", "200"])
            #expect(status(run, "NoNewPrivs") == "1")
            let bounding = UInt64(status(run, "CapBnd") ?? "", radix: 16) ?? 0
            let effective = UInt64(status(run, "CapEff") ?? "", radix: 16) ?? 0
            for cap in [21, 13] {  // sys_admin, net_raw
                #expect(bounding & (1 << cap) == 0)
                #expect(effective & (1 << cap) == 0)
            }
            #expect(effective & 1 == 1, "chown is kept")

            let keep = TestHost.run(["-c", "cap keep chown; \(show)"], marker: marker)
            #expect(status(keep, "CapEff") == "0000000000000001", "\(keep.stdout)")
            #expect(status(keep, "CapBnd") == "0000000000000001")
        }
    }

    @Test func rootlessInAUserNamespace() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user; rlimit nofile 50; cap drop all; no_new_privs; \(show)"],
                                   marker: marker, user: "65534")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.prefix(2) == ["50", "50"])
            #expect(status(run, "CapEff") == "0000000000000000")
            #expect(status(run, "CapBnd") == "0000000000000000")
            #expect(status(run, "NoNewPrivs") == "1")
        }
    }

    @Test func rootlessCannotRaiseAHardLimit() {
        withHostUnchanged { marker in
            // (nofile above /proc/sys/fs/nr_open is refused before anything runs, by
            // the checker; memlock's hard limit is the kernel's to refuse, at run time.)
            let run = TestHost.run(["-c", "rlimit memlock unlimited; exec true"], marker: marker, user: "65534")
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: rlimit: memlock: Operation not permitted"), "\(run.stderr)")
        }
    }
}

/// `net up lo`, for real. /sys shows the network namespace of whoever mounted it, so
/// the sandbox mounts its own sysfs to see its loopback's flags.
@Suite(.serialized, .needs(.sandbox))
struct NetworkIntegrationTests {
    let script = "mount sysfs /sys; exec sh -c 'cat /sys/class/net/lo/flags; busybox ping -c1 -W2 127.0.0.1 >/dev/null 2>&1 && echo reachable || echo unreachable'"

    @Test func asRootLoopbackIsDownUntilNetUp() {
        withHostUnchanged { marker in
            let down = TestHost.run(["-c", "unshare net mount; \(script)"], marker: marker)
            #expect(down.lines == ["0x8", "unreachable"], "\(down.stderr)")
            let up = TestHost.run(["-c", "unshare net mount; net up lo; \(script)"], marker: marker)
            #expect(up.lines == ["0x9", "reachable"], "\(up.stderr)")
        }
    }

    @Test func rootlessInItsOwnNetworkNamespace() {
        withHostUnchanged { marker in
            let up = TestHost.run(["-c", "unshare user net mount; net up lo; \(script)"],
                                  marker: marker, user: "65534")
            #expect(up.lines == ["0x9", "reachable"], "\(up.stderr)")
        }
    }
}

/// `mount dev` and `mount overlay`, for real, as root and rootless.
@Suite(.serialized, .needs(.sandbox))
struct DevicesIntegrationTests {
    let check = "exec sh -c 'ls /dev | tr \"\\n\" \" \"; echo; ls -l /dev/null | cut -c1; echo x > /dev/null && head -c4 /dev/urandom | wc -c; grep -c . /proc/self/mountinfo'"

    @Test func aMinimalDevAfterChrootAsRootAndRootless() {
        for user in [nil, "65534"] {
            withHostUnchanged { marker in
                let run = TestHost.run(["-c", "unshare user mount pid; chroot \(TestHost.rootfs); mount proc /proc; mount dev /dev; \(check)"],
                                       marker: marker, user: user)
                #expect(run.status == 0, "\(user ?? "root"): \(run.stderr)")
                #expect(run.lines.first == "fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ",
                        "\(run.stdout)")
                #expect(run.lines.dropFirst().prefix(2) == ["c", "4"], "\(run.stdout)")
            }
        }
    }

    @Test func devThenPivotRoot() {
        withHostUnchanged { marker in
            let rootfs = TestHost.rootfs
            let run = TestHost.run(["-c", "unshare user mount pid; mount proc \(rootfs)/proc; mount dev \(rootfs)/dev; pivot_root \(rootfs); \(check)"],
                                   marker: marker, user: "65534")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.dropFirst().prefix(2) == ["c", "4"], "\(run.stdout)")
        }
    }

    @Test func overlayWritesGoToTheUpperDirectory() throws {
        let dir = TestHost.rootfs + "-overlay-\(getpid())"
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        #expect(TestHost.shell("mkdir -p '\(dir)'/lower '\(dir)'/upper '\(dir)'/work '\(dir)'/merged && echo low > '\(dir)'/lower/a && chmod -R 777 '\(dir)'") == 0)
        for user in [nil, "65534"] {
            _ = TestHost.shell("rm -rf '\(dir)'/upper/* '\(dir)'/work/*")
            withHostUnchanged { marker in
                let run = TestHost.run(["-c", "unshare user mount; mount overlay \(dir)/merged lowerdir=\(dir)/lower,upperdir=\(dir)/upper,workdir=\(dir)/work; exec sh -c 'cat \(dir)/merged/a; echo new > \(dir)/merged/b'"],
                                       marker: marker, user: user)
                #expect(run.status == 0, "\(user ?? "root"): \(run.stderr)")
                #expect(run.lines == ["low"])
                #expect(TestHost.read(dir + "/upper/b") == "new\n")
                #expect(TestHost.read(dir + "/merged/a") == "", "the overlay is gone with the sandbox")
            }
        }
    }
}

/// `limit`, for real: withHostUnchanged fails if any cgroup directory is left.
@Suite(.serialized, .needs(.sandbox))
struct CgroupIntegrationTests {
    @Test func pidsLimitStopsForksAndTheCgroupIsRemoved() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "limit pids 4; exec sh -c 'grep -c cfsh- /proc/self/cgroup; for i in 1 2 3 4 5 6; do sleep 1 & done; wait'"],
                                   marker: marker)
            #expect(run.lines.first == "1", "\(run.stdout) \(run.stderr)")
            #expect(run.status != 0)
            #expect(run.stderr.contains("Cannot fork"), "\(run.stderr)")
        }
    }

    @Test func memoryAndCPULimitsAreWritten() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare pid; limit memory 64m; limit cpu 0.5; exec sh -c 'cat /proc/self/cgroup'"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("cfsh-"), "\(run.stdout)")
        }
    }

    @Test func aFailedRunAndABackgroundJobLeaveNoCgroup() {
        withHostUnchanged { marker in
            let failed = TestHost.run(["-c", "unshare mount; limit pids 10; mount proc /nonexistent; exec true"], marker: marker)
            #expect(failed.status == 125)
            let background = TestHost.run(["-c", "limit pids 10; exec sh -c 'sleep 60 & echo started'"], marker: marker)
            #expect(background.status == 0)
            #expect(background.lines == ["started"])
        }
    }

    @Test func rootlessCannotMakeACgroupAndSaysSo() {
        withHostUnchanged { marker in
            // Refused before anything runs: the cgroup would be EACCES.
            let run = TestHost.run(["-c", "unshare user; limit pids 5; exec true"], marker: marker, user: "65534")
            #expect(run.status == 2)
            #expect(run.stderr.contains("'limit' needs cfsh run as root: the cgroup is made below cfsh's own"), "\(run.stderr)")
        }
    }
}
