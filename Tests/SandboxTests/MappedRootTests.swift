import Foundation
import Glibc
import Testing
import TestSupport

/// Issue 10, item 2, for real: `map` as root leaves the sandbox its capabilities. Root
/// outside is not mapped by `map uid 0 1000 1`; the re-exec must become uid 0 of its
/// namespace before its execve, or it starts with none (capabilities(7)).
@Suite(.serialized, .needs(.sandbox))
struct MappedRootTests {
    let nobody = "65534"
    let mapped = "unshare user; map uid 0 1000 1; map gid 0 1000 1; "

    /// Every capability this kernel has (/proc/sys/kernel/cap_last_cap), as CapEff
    /// prints it: what the root of a new user namespace holds there (user_namespaces(7)),
    /// whatever the test runner's own bounding set lacks.
    var fullSet: String {
        let last = Int(TestHost.read("/proc/sys/kernel/cap_last_cap").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 40
        let hex = String((UInt64(1) << (last + 1)) - 1, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    func capEff(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            .map { String($0.dropFirst("CapEff:".count)).trimmingCharacters(in: .whitespaces) }
    }

    @Test func theReadmesMapExamplePrintsAFullCapEffAsRoot() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", mapped + "exec sh -c 'grep CapEff /proc/self/status; id -u; id -g'"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(capEff(run.stdout) == fullSet, "\(run.stdout)")
            #expect(Array(run.lines.suffix(2)) == ["0", "0"], "\(run.stdout)")
        }
    }

    @Test func setHostnameAndMountWorkAfterMapsAsRoot() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts mount pid; map uid 0 1000 1; map gid 0 1000 1; "
                                        + "set hostname c; mount tmpfs /mnt; exec sh -c 'hostname; grep -c \" /mnt \" /proc/self/mountinfo'"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines == ["c", "1"], "\(run.stdout)")
        }
    }

    @Test func setUserWorksAfterMapsAsRoot() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user; map uid 0 1000 2; map gid 0 1000 2; set user 1:1; exec sh -c 'id -u; id -g'"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines == ["1", "1"], "\(run.stdout)")
        }
    }

    @Test func aPlanThatMapsNoRootSaysSo() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts; map uid 1000 1000 1; set hostname c; exec true"],
                                   marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("maps no uid 0 inside the user namespace"), "\(run.stderr)")
            #expect(!run.stderr.contains("needs cfsh run as root"), "\(run.stderr)")
        }
    }

    @Test func rootlessTheDefaultMapStillGivesAFullCapEff() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare user uts; set hostname c; exec sh -c 'grep CapEff /proc/self/status; hostname; id -u'"],
                                   marker: marker, user: nobody)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(capEff(run.stdout) == fullSet, "\(run.stdout)")
            #expect(Array(run.lines.suffix(2)) == ["c", "0"], "\(run.stdout)")
        }
    }
}
