import Foundation
import Testing
import TestSupport
import CFSLanguage

/// What `help` says a command needs is what the kernel requires: each command's own help
/// example, run rootless (with `unshare user` and the namespaces its `needs:` line
/// names), either works or is refused before anything runs (exit 2, a diagnostic at its
/// line) — never a failure half-way through a sandbox (125).
@Suite(.serialized) struct HelpNeedsTests {
    /// A directory an unprivileged user can work in, with ./rootfs and ./examples as the
    /// examples expect them.
    func workspace() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-needs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        #expect(TestHost.shell("cp -a '\(TestHost.rootfs)' '\(dir)/rootfs' && cp -a '\(TestHost.repository)/examples' '\(dir)/' && chmod -R a+rwX '\(dir)'") == 0)
        return dir
    }

    @Test(.needs(.rootless))
    func everyHelpExampleWorksRootlessOrIsRefusedBeforeAnythingRuns() throws {
        try requireHost(.rootless)
        let dir = try workspace()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        for id in CommandID.allCases where id != .quit && id != .exit {
            let entry = id.entry
            var namespaces = ["user"]
            if let needed = entry.needs.namespace { namespaces.append(needed.rawValue) }
            // umount's example needs something mounted at /mnt first.
            let before = id == .umount ? "mount tmpfs /mnt; " : ""
            let script = "unshare \(namespaces.joined(separator: " "))\n\(before)\(entry.example)\nexec /bin/true\n"
            withHostUnchanged { marker in
                let run = TestHost.run(["-c", script], marker: marker, user: "65534", directory: dir)
                let refusedBeforeRunning = run.status == 2 && run.stderr.contains("<command line>:2:")
                #expect(run.status == 0 || refusedBeforeRunning,
                        "\(id.name): `\(entry.example)` rootless: status \(run.status)\n\(run.stderr)")
                if run.status == 2 {
                    // A refusal says why, with the needs help gives.
                    #expect(run.stderr.contains("error:"), "\(id.name): \(run.stderr)")
                }
            }
        }
    }

    /// The rootless order that works for proc with pivot_root, and the refused one with
    /// the working order as its fix.
    @Test(.needs(.rootless))
    func procBeforePivotRootRootless() throws {
        try requireHost(.rootless)
        let dir = try workspace()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        withHostUnchanged { marker in
            let works = TestHost.run(["-c", "unshare user mount pid; mount proc ./rootfs/proc; pivot_root ./rootfs; exec /bin/ls /proc"],
                                     marker: marker, user: "65534", directory: dir)
            #expect(works.status == 0, "\(works.stderr)")
            #expect(works.lines.contains("1"), "the sandbox's own proc: \(works.stdout)")
            let refused = TestHost.run(["-c", "unshare user mount pid; pivot_root ./rootfs; mount proc /proc; exec /bin/ls /proc"],
                                       marker: marker, user: "65534", directory: dir)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("'mount proc' after 'pivot_root' fails in a user namespace"), "\(refused.stderr)")
            #expect(refused.stderr.contains("'mount proc ./rootfs/proc' before 'pivot_root ./rootfs'"), "\(refused.stderr)")
        }
    }
}
