import Foundation
import Testing
import TestSupport

/// The six cases of the one-owner redesign (README "How it works"): each gets the right
/// answer before anything runs, from the one checker (`compile`), the one command
/// table, the one view of the planned root and the one mount option table.
@Suite struct OneOwnerTests {
    func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-owner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `chroot r; chroot /inner` with r/inner -> /real: the kernel resolves /inner inside
    /// r, to r/real. The checker must say the same.
    @Test func anAbsoluteSymlinkResolvesInsideThePlannedRoot() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/r/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/r/inner", withDestinationPath: "/real")
        let ok = try Cfsh.run(["-n", "-c", "chroot \(dir)/r; chroot /inner"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let missing = try Cfsh.run(["-n", "-c", "chroot \(dir)/r; chroot /nowhere"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("<command line>:1:\(dir.utf8.count + 12):"), "\(missing.stderr)")
        #expect(missing.stderr.contains("chroot: '/nowhere' (\(dir)/r/nowhere on the host) does not exist"))
    }

    /// `load u.cfs; set hostname c` where u.cfs unshares uts: the same answer from -n,
    /// from a script and from a line typed at the prompt (the shell's lines are
    /// compiled by the same function; here through its plain-line reader).
    @Test func loadCountsForTheRestOfTheLineEverywhere() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "unshare uts\n".write(toFile: dir + "/u.cfs", atomically: true, encoding: .utf8)
        let line = "load \(dir)/u.cfs; set hostname c; show"
        let check = try Cfsh.run(["-n", "-c", line])
        #expect(check.status == 0, "\(check.stderr)")
        let script = try Cfsh.run(["-c", line])
        #expect(script.status == 0, "\(script.stderr)")
        #expect(script.stdout == "unshare uts\nset hostname c\n")
        let missing = try Cfsh.run(["-n", "-c", "load \(dir)/none.cfs; set hostname c"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("load: \(dir)/none.cfs: No such file or directory"))
    }

    /// `explain` without a command explains a placeholder that is found: no failure the
    /// real run would not have. With a script's exec, it explains that command.
    @Test func explainPrintsNoFailureThatWillNotHappen() throws {
        let run = try Cfsh.run(["-c", "unshare uts pid; explain"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains("ENOENT"), "\(run.stdout)")
        #expect(!run.stdout.contains("the failure"), "\(run.stdout)")
        #expect(run.stdout.contains("/CMD\", [\"CMD\"], ENV)"), "the placeholder, found on PATH: \(run.stdout)")
        // In a script, `explain` defaults to the script's last exec.
        let defaulted = try Cfsh.run(["-c", "explain; exec /bin/true"])
        #expect(defaulted.status == 0, "\(defaulted.stderr)")
        #expect(defaulted.stdout.contains("execve(\"/bin/true\", [\"/bin/true\"]"), "\(defaulted.stdout)")
        let named = try Cfsh.run(["-c", "explain /bin/true"])
        #expect(named.stdout.contains("execve(\"/bin/true\", [\"/bin/true\"]"), "\(named.stdout)")
        #expect(!named.stdout.contains("ENOENT"))
    }

    /// What the kernel rejects with a bare EINVAL (or EPERM) is reported before anything
    /// runs, with the line, the column and the accepted form.
    @Test func mountOptionsAndLimitsTheKernelWouldRefuse() throws {
        let cases: [(String, String)] = [
            ("mount tmpfs /mnt size=64q", "'size=64q' is not a valid size for tmpfs"),
            ("mount tmpfs /mnt mode=999", "'mode=999' is not a valid mode for tmpfs"),
            ("mount overlay /mnt lowerdir=/a", "a read-only overlay (no upperdir=) needs at least two lower directories"),
            ("mount overlay /mnt lowerdir=/a,upperdir=/u", "an overlay mount takes upperdir= and workdir= together"),
            ("rlimit nofile unlimited", "rlimit nofile: unlimited is above the kernel's most"),
        ]
        for (line, message) in cases {
            let run = try Cfsh.run(["-n", "-c", "unshare mount; " + line])
            #expect(run.status == 2, "\(line)")
            #expect(run.stderr.contains("<command line>:1:"), "\(line): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(line): \(run.stderr)")
            #expect(run.stderr.contains("note:"), "\(line): the accepted form: \(run.stderr)")
        }
        #expect(try Cfsh.run(["-n", "-c", "unshare mount; mount tmpfs /mnt size=50%,mode=1777,nr_inodes=1k"]).status == 0)
        #expect(try Cfsh.run(["-n", "-c", "unshare mount; mount overlay /m lowerdir=/a:/b"]).status == 0)
        #expect(try Cfsh.run(["-n", "-c", "rlimit nofile 1024:4096"]).status == 0)
    }

    /// Rootless: one refused line is one error. `unshare uts` refused for want of root
    /// still counts for `set hostname`, and "needs root" is said once.
    @Test(.needs(.root))
    func oneErrorPerCause() throws {
        try requireHost(.root)
        let run = try Cfsh.run(["-n", "-c", "unshare uts; set hostname c; chroot /"], user: "65534")
        #expect(run.status == 2)
        let errors = run.stderr.components(separatedBy: ": error: ")
        #expect(errors.count == 2, "exactly one error: \(run.stderr)")
        #expect(run.stderr.contains("'unshare' needs root, or add 'unshare user' to run rootless"))
        #expect(!run.stderr.contains("needs 'unshare uts' first"))
        // The mount line has its own, different mistake: reported too.
        let two = try Cfsh.run(["-n", "-c", "unshare uts; set hostname c; mount proc /proc"])
        #expect(two.stderr.contains("'mount' needs 'unshare mount' first"))
    }
}
