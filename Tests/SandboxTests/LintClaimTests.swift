import Foundation
import Testing
import TestSupport

/// What each lint warning (CFSLanguage/Lint.swift) claims of the kernel, proven with a
/// real sandbox: the warned plan does what the warning says, and a plan without the
/// cause does not. When each fires is LintTests'; the chroot escape is SafetyTests'.
@Suite(.serialized, .needs(.sandbox))
struct LintClaimTests {
    let rootfs = TestHost.rootfs

    func warnings(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").filter { $0.contains(": warning: ") }.map(String.init)
    }

    /// A scratch directory with `src/marker` and an empty `a`.
    func scratch(_ name: String) -> String {
        let directory = Safety.temporaryDirectory(name)
        _ = TestHost.shell("mkdir -p '\(directory)/src' '\(directory)/a' && echo here > '\(directory)/src/marker'")
        return directory
    }

    @Test func aCoveredMountIsNotSeenByTheCommand() {
        withHostUnchanged { marker in
            let d = scratch("lint-covered")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(d) }
            // (Covered, it is still in the mount table: mountinfo lists it.)
            let look = "exec sh -c 'test -e \(d)/a/marker && echo seen || echo not seen; grep -c \" \(d)/a \" /proc/self/mountinfo'"
            let alone = TestHost.run(["-c", "unshare mount; mount bind \(d)/src \(d)/a; \(look)"], marker: marker)
            #expect(alone.stdout == "seen\n1\n" && warnings(alone.stderr).isEmpty, "\(alone.stdout)\(alone.stderr)")
            for cover in ["mount tmpfs \(d)/a", "mount tmpfs \(d)"] {
                let before = "unshare mount; mount bind \(d)/src \(d)/a; "
                let run = TestHost.run(["-c", before + "\(cover); \(look)"], marker: marker)
                #expect(run.status == 0 && run.stdout.hasPrefix("not seen\n") && run.stdout != "not seen\n0\n", "\(cover): \(run.stdout)\(run.stderr)")
                #expect(warnings(run.stderr).count == 1
                        && warnings(run.stderr)[0].hasPrefix("<command line>:1:16: warning: this mount is covered by the mount at column \(before.utf8.count + 1)"),
                        "\(run.stderr)")
            }
        }
    }

    @Test func aMountOutsideTheNewRootIsNotSeenAfterChrootNorPivotRoot() {
        withHostUnchanged { marker in
            let d = scratch("lint-outside")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(d) }
            // Not reachable by path, and not even listed: mountinfo shows only mounts
            // under the process's root (proc(5)).
            let look = "mount proc /proc; exec sh -c 'grep -c \(d)/a /proc/self/mountinfo; true'"
            for change in ["chroot", "pivot_root"] {
                let run = TestHost.run(["-c", "unshare pid mount; mount bind \(d)/src \(d)/a; \(change) \(rootfs); \(look)"],
                                       marker: marker)
                #expect(run.status == 0 && run.stdout == "0\n", "\(change): \(run.stdout)\(run.stderr)")
                #expect(warnings(run.stderr).contains { $0.contains("1:20: warning: this mount is outside the new root of '\(change)'") },
                        "\(run.stderr)")
            }
            // The talk's slip: proc mounted before the chroot; /proc inside is the rootfs's empty one.
            let talk = TestHost.run(["-c", "unshare pid mount; mount proc /proc; chroot \(rootfs); exec sh -c 'ls /proc | wc -l'"],
                                    marker: marker)
            #expect(talk.stdout.trimmingCharacters(in: .whitespaces) == "0\n", "\(talk.stdout)\(talk.stderr)")
            #expect(warnings(talk.stderr).contains { $0.contains("1:20: warning: this mount is outside the new root of 'chroot'") },
                    "\(talk.stderr)")
        }
    }

    @Test func aPidNamespaceWithoutItsOwnProcShowsWhatTheWarningSays() throws {
        try withHostUnchanged { marker in
            // No root change: /proc is the host's — its /proc/self is the host's PID, and
            // ps lists the host's processes.
            let host = TestHost.run(["-c", "unshare pid; exec sh -c 'readlink /proc/self; ps -e --no-headers | wc -l'"], marker: marker)
            let numbers = host.stdout.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            #expect(numbers.count == 2, "\(host.stdout)\(host.stderr)")
            #expect((numbers.first ?? 0) > 10 && (numbers.last ?? 0) > 10, "\(host.stdout)")
            #expect(warnings(host.stderr) == [
                "<command line>:1:14: warning: 'unshare pid' without a /proc of its own: /proc is still the host's, so ps and /proc show the host's processes, with the host's PIDs",
            ], "\(host.stderr)")
            // After chroot into the busybox rootfs: its /proc is an empty directory, and
            // ps finds no processes (only its header line).
            let chrooted = TestHost.run(["-c", "unshare pid; chroot \(rootfs); exec sh -c 'ps | wc -l; ls /proc | wc -l'"], marker: marker)
            #expect(chrooted.stdout.replacingOccurrences(of: " ", with: "") == "1\n0\n", "\(chrooted.stdout)\(chrooted.stderr)")
            #expect(warnings(chrooted.stderr).contains { $0.hasSuffix("/proc in the new root (\(rootfs)/proc) is an empty directory, so ps finds no processes") },
                    "\(chrooted.stderr)")
            // With a proc of its own: the sandbox's PIDs, and no such warning.
            let own = TestHost.run(["-c", "unshare pid mount; pivot_root \(rootfs); mount proc /proc; exec sh -c 'ps | wc -l'"],
                                   marker: marker)
            let count = try #require(Int(own.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(own.stdout)\(own.stderr)")
            #expect(count <= 6, "\(own.stdout)")
            #expect(warnings(own.stderr).isEmpty, "\(own.stderr)")
        }
    }

    @Test func stepsWarnedAsHavingNoEffectChangeNothing() {
        withHostUnchanged { marker in
            let look = "exec sh -c 'grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status; env | sort'"
            let with = TestHost.run(["-c", "cap drop net_raw; cap drop net_raw; no_new_privs; no_new_privs; unset env CFSH_LINT_NEVER_SET; \(look)"],
                                    marker: marker)
            let without = TestHost.run(["-c", "cap drop net_raw; no_new_privs; \(look)"], marker: marker)
            #expect(with.status == 0 && without.status == 0, "\(with.stderr)\(without.stderr)")
            #expect(with.stdout == without.stdout && with.stdout.contains("NoNewPrivs:\t1"), "\(with.stdout)\n\(without.stdout)")
            #expect(warnings(with.stderr).count == 3 && warnings(without.stderr).isEmpty, "\(with.stderr)")
            // The loopback brought up twice: the same link as once (the host's ip(8)).
            let link = "exec ip -o link show lo"
            let twice = TestHost.run(["-c", "unshare net; net up lo; net up lo; \(link)"], marker: marker)
            let once = TestHost.run(["-c", "unshare net; net up lo; \(link)"], marker: marker)
            #expect(twice.status == 0 && twice.stdout == once.stdout && twice.stdout.contains("UP"), "\(twice.stdout)\(once.stdout)")
            #expect(warnings(twice.stderr).count == 1 && warnings(once.stderr).isEmpty, "\(twice.stderr)")
        }
    }

    @Test func setLintOffSilencesThemAndTheStatusIsTheCommands() {
        withHostUnchanged { marker in
            let loud = TestHost.run(["-c", "unshare pid; exec sh -c 'exit 3'"], marker: marker)
            #expect(loud.status == 3 && warnings(loud.stderr).count == 1, "\(loud.stderr)")
            let quiet = TestHost.run(["-c", "set lint off; unshare pid; exec sh -c 'exit 3'"], marker: marker)
            #expect(quiet.status == 3 && quiet.stderr.isEmpty, "\(quiet.stderr)")
            // -n prints them and exits 0.
            let checked = TestHost.run(["-n", "-c", "unshare pid; exec true"], marker: marker)
            #expect(checked.status == 0 && warnings(checked.stderr).count == 1 && checked.stderr.contains("note: add 'unshare mount'"),
                    "\(checked.stderr)")
        }
    }
}
