import Foundation
import Glibc
import Testing
import TestSupport

/// Issue 11, item 4, the short variant (`scripts/load` runs 500 in sequence and 64 at
/// once): many sandboxes of the shape — uts+pid+mount, `limit pids 64`,
/// `pivot_root` into the busybox rootfs, `mount proc` — all succeed and leave no mount,
/// cgroup or zombie (withHostUnchanged), and one cfsh running them in sequence ends
/// with the fds it started with (runc's fd-leak test).
@Suite(.serialized, .needs(.sandbox))
struct ManySandboxesTests {
    static let plan = "unshare uts pid mount; limit pids 64; pivot_root \(TestHost.rootfs); mount proc /proc"

    @Test func oneHundredSandboxesInSequenceAndCfshsFDsDoNotGrow() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("load")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let count = 100
            // A sleep first and last: cfsh's fds are read from the host during each.
            let script = Self.plan + "\nexec sleep 0.51\n" + String(repeating: "exec true\n", count: count)
                + "exec sleep 0.52\n"
            let file = directory + "/load.cfs"
            _ = FileManager.default.createFile(atPath: file, contents: Data(script.utf8))
            let cfsh = Safety.Background("\(TestHost.cfsh) \(file)", marker: marker, directory: directory)
            let started = Date()
            try #require(cfsh.start())
            _ = try #require(Safety.waitForSleep("0.51", marker: marker), "\(cfsh.text)")
            let first = Safety.openFDs(cfsh.pid)
            _ = try #require(Safety.waitForSleep("0.52", marker: marker, seconds: 60), "\(cfsh.text)")
            let last = Safety.openFDs(cfsh.pid)
            #expect(cfsh.wait() == 0, "\(cfsh.text)")
            let seconds = Date().timeIntervalSince(started) - 1.03
            #expect(!first.isEmpty && first == last, "cfsh's fds: \(first) then \(last)")
            print("load: \(count) sandboxes in sequence in \(Int(seconds * 1000)) ms; cfsh's fds \(first.count) → \(last.count)")
        }
    }

    @Test func sixteenSandboxesAtOnce() {
        withHostUnchanged { marker in
            let count = 16
            final class Statuses: @unchecked Sendable {
                let lock = NSLock()
                var values: [Int32: Int] = [:]
                var errors: [String] = []
            }
            let statuses = Statuses()
            let started = Date()
            DispatchQueue.concurrentPerform(iterations: count) { _ in
                let run = TestHost.run(["-c", Self.plan + "; exec sleep 0.1"], marker: marker)
                statuses.lock.lock()
                statuses.values[run.status, default: 0] += 1
                if run.status != 0 { statuses.errors.append(run.stderr) }
                statuses.lock.unlock()
            }
            #expect(statuses.values == [0: count], "\(statuses.values) \(statuses.errors.prefix(3))")
            print("load: \(count) sandboxes at once in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        }
    }
}

extension Safety {
    /// Waits for a marked `sleep SECONDS` (the load tests' sentinels).
    static func waitForSleep(_ seconds: String, marker: String, seconds timeout: Double = 10) -> pid_t? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = processes(marker: marker).first(where: { $0.argv == ["sleep", seconds] }) { return found.pid }
            usleep(5_000)
        }
        return nil
    }
}
