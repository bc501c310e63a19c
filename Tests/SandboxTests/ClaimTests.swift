import Foundation
import Glibc
import Testing
import TestSupport

/// README claims, each shown on a real sandbox built by the release cfsh — as root,
/// and as an unprivileged user (uid 65534) where the README says rootless works. The
/// README's "Tests" section maps each claim to its test here.
@Suite(.serialized, .needs(.sandbox))
struct ClaimTests {
    let rootfs = TestHost.rootfs
    let nobody = "65534"

    func cfsh(_ script: String, _ marker: String, user: String? = nil, _ arguments: [String] = []) -> TestHost.Run {
        TestHost.run(["-c", script] + arguments, marker: marker, user: user)
    }

    @Test func setUnsetAndClearEnvShapeTheCommandsEnvironment() {
        for user in [nil, nobody] {
            withHostUnchanged { marker in
                let ns = user == nil ? "unshare uts" : "unshare user uts"
                let set = cfsh("\(ns); set env CFSH_A=one; set env CFSH_B='two words'; unset env CFSH_SANDBOX_TEST; exec /usr/bin/env", marker, user: user)
                #expect(set.status == 0, "\(set.stderr)")
                #expect(set.lines.contains("CFSH_A=one") && set.lines.contains("CFSH_B=two words"), "\(set.stdout)")
                #expect(!set.stdout.contains("CFSH_SANDBOX_TEST="), "unset env kept it")
                #expect(set.lines.contains { $0.hasPrefix("PATH=") }, "the rest of the environment is kept")
                let cleared = cfsh("\(ns); clear env; set env ONLY=1; exec /usr/bin/env", marker, user: user)
                #expect(cleared.status == 0, "\(cleared.stderr)")
                #expect(cleared.lines == ["ONLY=1"], "\(cleared.stdout)")
            }
        }
    }

    @Test func cdAndUmountInsideTheRootfs() {
        for user in [nil, nobody] {
            withHostUnchanged { marker in
                let ns = user == nil ? "unshare mount pid" : "unshare user mount pid"
                let run = cfsh("\(ns); mount proc \(rootfs)/proc; chroot \(rootfs); mount tmpfs /tmp; mount tmpfs /root; umount /tmp; cd /etc; exec sh -c 'pwd; grep -c \" /tmp \" /proc/self/mountinfo; grep -c \" /root \" /proc/self/mountinfo'",
                               marker, user: user)
                #expect(run.status == 0, "\(user ?? "root"): \(run.stderr)")
                #expect(run.lines == ["/etc", "0", "1"], "\(user ?? "root"): \(run.stdout)")
            }
        }
    }

    @Test func rbindTakesTheSubmountsAndBindDoesNot() throws {
        let dir = TestHost.repository + "/.build/cfsh-test-rbind-\(getpid())"
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        #expect(TestHost.shell("mkdir -p '\(dir)/a/sub' '\(dir)/r' '\(dir)/b'") == 0)
        withHostUnchanged { marker in
            let run = cfsh("unshare mount; mount tmpfs \(dir)/a/sub; mount rbind \(dir)/a \(dir)/r; mount bind \(dir)/a \(dir)/b; exec sh -c 'grep -c \" \(dir)/r/sub \" /proc/self/mountinfo; grep -c \" \(dir)/b/sub \" /proc/self/mountinfo'",
                           marker)
            #expect(run.status != 125 && run.status != 2, "\(run.stderr)")
            #expect(run.lines == ["1", "0"], "\(run.stdout) \(run.stderr)")
        }
    }

    @Test func setUserRunsTheCommandAsThatUser() {
        withHostUnchanged { marker in
            let run = cfsh("unshare uts pid; set user 65534:65533; exec sh -c 'id -u; id -g; id -G; grep -E \"^(Uid|Gid)\" /proc/self/status'", marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.prefix(3) == ["65534", "65533", "65533"], "\(run.stdout)")
            #expect(run.lines.dropFirst(3).map { $0.split(whereSeparator: \.isWhitespace).dropFirst().joined(separator: " ") }
                    == ["65534 65534 65534 65534", "65533 65533 65533 65533"], "real, effective, saved, fs: \(run.stdout)")
        }
    }

    @Test func explicitMapLinesAreWrittenAsGiven() {
        withHostUnchanged { marker in
            let run = cfsh("unshare user; map uid 0 100000 1; map uid 1 200000 10; map gid 0 100000 1; map gid 5 300000 2; exec cat /proc/self/uid_map /proc/self/gid_map", marker)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.lines.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            #expect(lines == ["0 100000 1", "1 200000 10", "0 100000 1", "5 300000 2"], "\(run.stdout)")
        }
        // Rootless, only your own uid and gid can be mapped: to any uid inside.
        withHostUnchanged { marker in
            let run = cfsh("unshare user; map uid 7 65534 1; map gid 8 65534 1; exec sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g'", marker, user: nobody)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.lines.map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            #expect(lines == ["7 65534 1", "8 65534 1", "7", "8"], "\(run.stdout)")
        }
    }

    /// The values `limit memory` and `limit cpu` write, read back from the sandbox's own
    /// cgroup while it runs (v1 files where the host has v1, v2 files where cgroup2).
    @Test func limitMemoryAndCPUWriteTheirValues() {
        withHostUnchanged { marker in
            let read = """
                if [ -f /sys/fs/cgroup/cgroup.controllers ]; then \
                  p=$(sed -n "s/^0:://p" /proc/self/cgroup); \
                  echo v2; cat /sys/fs/cgroup$p/memory.max /sys/fs/cgroup$p/cpu.max; \
                else \
                  m=$(sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup); c=$(grep -E "^[0-9]+:(cpu|cpu,cpuacct|cpuacct,cpu):" /proc/self/cgroup | cut -d: -f3); \
                  echo v1 $m $c; cat /sys/fs/cgroup/memory$m/memory.limit_in_bytes /sys/fs/cgroup/cpu$c/cpu.cfs_quota_us /sys/fs/cgroup/cpu$c/cpu.cfs_period_us; \
                fi
                """
            let run = cfsh("unshare pid; limit memory 64m; limit cpu 0.5; exec sh -c '\(read)'", marker)
            #expect(run.status == 0, "\(run.stderr)")
            let kind = run.lines.first?.split(separator: " ") ?? []
            if kind.first == "v1" {
                #expect(kind.count == 3 && kind[1].contains("cfsh-") && kind[2].contains("cfsh-"), "\(run.stdout)")
                #expect(run.lines.count == 4, "\(run.stdout)")
                #expect(run.lines.dropFirst().first == "67108864", "\(run.stdout)")
                let quota = Int(run.lines.dropFirst(2).first ?? "") ?? 0, period = Int(run.lines.last ?? "") ?? 0
                #expect(period > 0 && quota * 2 == period, "quota \(quota) of period \(period)")
            } else {
                #expect(run.lines.dropFirst().first == "67108864", "\(run.stdout)")
                let cpu = (run.lines.last ?? "").split(separator: " ").compactMap { Int($0) }
                #expect(cpu.count == 2 && cpu[0] * 2 == cpu[1], "\(run.stdout)")
            }
        }
    }

    @Test func capDropAndKeepSetEveryCapabilitySet() {
        func field(_ run: TestHost.Run, _ name: String) -> UInt64? {
            run.lines.first { $0.hasPrefix(name + ":") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        let show = "exec grep ^Cap /proc/self/status"
        withHostUnchanged { marker in
            let drop = cfsh("unshare uts; cap drop sys_admin net_raw; \(show)", marker)
            #expect(drop.status == 0, "\(drop.stderr)")
            for set in ["CapBnd", "CapEff", "CapPrm"] {
                let value = field(drop, set) ?? ~0
                #expect(value & (1 << 21) == 0 && value & (1 << 13) == 0, "\(set): \(drop.stdout)")
                #expect(value & 1 == 1, "\(set) keeps chown: \(drop.stdout)")
            }
            #expect(field(drop, "CapAmb") == 0, "\(drop.stdout)")
            #expect(field(drop, "CapInh").map { $0 & (1 << 21) } == 0, "\(drop.stdout)")

            let keep = cfsh("unshare uts; cap keep chown kill; \(show)", marker)
            #expect(keep.status == 0, "\(keep.stderr)")
            let chownKill: UInt64 = 1 << 0 | 1 << 5
            for set in ["CapBnd", "CapEff", "CapPrm"] { #expect(field(keep, set) == chownKill, "\(set): \(keep.stdout)") }
            #expect(field(keep, "CapAmb") == 0, "\(keep.stdout)")
        }
    }

    @Test(arguments: [["ipc"], ["cgroup"], ["time"], ["uts", "ipc", "cgroup", "time", "pid", "mnt", "net", "user"]])
    func unshareMakesNewNamespaces(_ kinds: [String]) {
        for user in [nil, nobody] {
            withHostUnchanged { marker in
                let names = kinds.count > 1 ? "all" : kinds[0]
                let plan = user == nil || names == "all" ? "unshare \(names)" : "unshare user \(names)"
                let run = cfsh("\(plan); exec sh -c 'for k in \(kinds.joined(separator: " ")); do readlink /proc/self/ns/$k; done'",
                               marker, user: user)
                #expect(run.status == 0, "\(user ?? "root") \(plan): \(run.stderr)")
                #expect(run.lines.count == kinds.count, "\(run.stdout)")
                for (kind, inside) in zip(kinds, run.lines) {
                    #expect(inside != TestHost.link("/proc/self/ns/\(kind)"), "\(user ?? "root") \(plan): \(kind) is the host's")
                }
            }
        }
    }

    // The command line's forms, through the binary.

    @Test func everyCommandLineForm() throws {
        let dir = TestHost.repository + "/.build/cfsh-test-forms-\(getpid())"
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = "unshare uts; set hostname \"$1\"; exec sh -c 'echo $(hostname) $0' \"$#\"\n"
        try script.write(toFile: dir + "/s.cfs", atomically: true, encoding: .utf8)
        try ("#!/usr/bin/env cfsh\n" + script).write(toFile: dir + "/exe", atomically: true, encoding: .utf8)
        chmod(dir + "/exe", 0o755)
        withHostUnchanged { marker in
            let run = TestHost.run(["run", "echo", "Hello,", "world"], marker: marker)
            #expect(run.status == 0 && run.stdout == "Running [echo Hello, world]\nHello, world\n", "\(run.stdout) \(run.stderr)")

            let stdin = TestHost.run([], marker: marker, stdin: Data(script.replacingOccurrences(of: "$1", with: "fromstdin").utf8))
            #expect(stdin.status == 0 && stdin.stdout == "fromstdin 0\n", "\(stdin.stdout) \(stdin.stderr)")

            let file = TestHost.run([dir + "/s.cfs", "named", "x"], marker: marker)
            #expect(file.status == 0 && file.stdout == "named 2\n", "\(file.stdout) \(file.stderr)")

            let inline = TestHost.run(["-c", script, "first", "second", "third"], marker: marker)
            #expect(inline.status == 0 && inline.stdout == "first 3\n", "$1 is the first argument: \(inline.stdout) \(inline.stderr)")

            let checkFile = TestHost.run(["-n", dir + "/s.cfs", "checked"], marker: marker)
            #expect(checkFile.status == 0 && checkFile.stdout.isEmpty, "-n runs nothing: \(checkFile.stdout)")
            let checkInline = TestHost.run(["-n", "-c", "unshare uts; print ran; exec hostname"], marker: marker)
            #expect(checkInline.status == 0 && checkInline.stdout.isEmpty, "\(checkInline.stdout)")
            let checkBad = TestHost.run(["-n", "-c", "set hostname c"], marker: marker)
            #expect(checkBad.status == 2)

            // An executable script run directly, its interpreter found on PATH.
            var environment = TestHost.environment
            environment["PATH"] = URL(fileURLWithPath: TestHost.cfsh).deletingLastPathComponent().path + ":/usr/bin:/bin"
            environment["CFSH_SANDBOX_TEST"] = marker
            let direct = TestHost.run(argv: TestHost.wrapper + [dir + "/exe", "direct"], environment: environment, newSession: true)
            #expect(direct.status == 0 && direct.stdout == "direct 1\n", "\(direct.stdout) \(direct.stderr)")
            if direct.status == 0 { SandboxCounter.note() }
        }
    }

    @Test func exitStatusesThroughTheBinary() {
        withHostUnchanged { marker in
            #expect(cfsh("unshare pid; exec /etc/passwd", marker).status == 126)
            #expect(cfsh("unshare pid; exec no-such-command-cfsh", marker).status == 127)
            #expect(cfsh("unshare pid; exec sh -c 'kill -TERM $$'", marker).status == 128 + SIGTERM)
            #expect(cfsh("unshare pid; exec sh -c 'kill -KILL $$'", marker).status == 128 + SIGKILL)
            #expect(cfsh("unshare uts; exec sh -c 'exit 7'", marker).status == 7)
            #expect(cfsh("unshare uts; exec sh -c 'exit 7'; exit 3", marker).status == 3)
            #expect(cfsh("unshare uts; exec sh -c 'exit 7'; print after", marker).status == 7, "a script returns its last exec's status")
            #expect(cfsh("unshare uts; exec sh -c 'exit 7'; exit", marker).status == 7, "exit without N: the last status")
        }
    }

    @Test func helpNamesTheSyntaxAndAnExample() {
        let run = TestHost.run(["-c", "help mount"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("mount proc|sysfs|tmpfs|dev|overlay TARGET [OPTIONS]"), "\(run.stdout)")
        #expect(run.stdout.contains("example: mount proc /proc"), "\(run.stdout)")
        #expect(run.stdout.contains("needs: unshare mount"), "what it needs: \(run.stdout)")
    }

    /// `explain` says what the run does: each namespace the run makes is in its clone3
    /// line, and the same plan then really makes them.
    @Test func explainMatchesTheRun() {
        withHostUnchanged { marker in
            let plan = "unshare uts pid; set hostname c"
            let explained = cfsh("\(plan); explain /bin/true", marker)
            #expect(explained.status == 0, "\(explained.stderr)")
            let cloneLine = explained.stdout.split(separator: "\n").first { $0.contains("clone3(") } ?? ""
            #expect(cloneLine.contains("CLONE_NEWUTS|CLONE_NEWPID"), "\(explained.stdout)")
            #expect(explained.stdout.contains("sethostname(\"c\")"), "\(explained.stdout)")
            #expect(explained.stdout.contains("execve(\"/bin/true\""), "\(explained.stdout)")
            let ran = cfsh("\(plan); exec sh -c 'hostname; echo $$'", marker)
            #expect(ran.lines == ["c", "2"], "\(ran.stdout) \(ran.stderr)")
        }
    }
}
