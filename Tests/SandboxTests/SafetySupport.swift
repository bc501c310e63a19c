import Foundation
import Glibc
import Testing
import TestSupport

// What the safety tests (issue 11) share: small C programs compiled for a test, the
// processes of one test's sandboxes seen from the host, and cfsh started in the
// background so that a test can act on it while it runs.

enum Safety {
    /// A directory of this test run's own, removed by `cleanUp`.
    static func temporaryDirectory(_ name: String) -> String {
        let path = "/tmp/cfsh-safety-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Compiles `source` with `gcc -static` (so that it runs in any rootfs) into
    /// `directory/name`; nil with the compiler's output recorded as an issue.
    static func compile(_ name: String, _ source: String, into directory: String) -> String? {
        let c = directory + "/" + name + ".c", binary = directory + "/" + name
        _ = FileManager.default.createFile(atPath: c, contents: Data(source.utf8))
        let status = TestHost.shell("gcc -static -O1 -o '\(binary)' '\(c)' 2>'\(c).log'")
        if status != 0 {
            Issue.record("gcc failed for \(name): \(TestHost.read(c + ".log"))")
            return nil
        }
        return binary
    }

    /// A copy of the busybox rootfs the tests share, that a test may change.
    static func copyOfRootfs(into directory: String) -> String {
        let copy = directory + "/rootfs"
        _ = TestHost.shell("cp -a '\(TestHost.rootfs)' '\(copy)'")
        return copy
    }

    static func remove(_ path: String) {
        guard path.hasPrefix("/tmp/cfsh-safety-") else { return }
        _ = TestHost.shell("rm -rf '\(path)'")
    }

    /// Live (not zombie) processes carrying the test's marker: pid and argv.
    static func processes(marker: String) -> [(pid: pid_t, argv: [String])] {
        var found: [(pid_t, [String])] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry) else { continue }
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            guard String(decoding: environ, as: UTF8.self).contains("CFSH_SANDBOX_TEST=\(marker)\0") else { continue }
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            found.append((pid, String(decoding: cmdline, as: UTF8.self).split(separator: "\0").map(String.init)))
        }
        return found
    }

    /// Waits up to `seconds` for a marked process whose argv[0] is `name`.
    static func waitForProcess(named name: String, marker: String, seconds: Double = 10) -> pid_t? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let found = processes(marker: marker).first(where: { $0.argv.first == name }) { return found.pid }
            usleep(10_000)
        }
        return nil
    }

    /// SIGKILL to every process of this test left running (a failed test must not leave
    /// its sandbox behind): by pid, only those carrying the marker.
    static func killLeftovers(marker: String) {
        for process in processes(marker: marker) { kill(process.pid, SIGKILL) }
    }

    /// The file descriptors a process has open, from the host (/proc/PID/fd).
    static func openFDs(_ pid: pid_t) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [])
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
    }

    /// cfsh started through /bin/sh (so that a test can give it redirections such as
    /// `7</ 8</etc`), in the background, with the marker; its output goes to files.
    final class Background {
        let process = Process()
        let output: String
        init(_ shellCommand: String, marker: String, directory: String) {
            output = directory + "/output"
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec " + shellCommand + " >'\(output)' 2>&1"]
            var environment = ProcessInfo.processInfo.environment
            environment["CFSH_SANDBOX_TEST"] = marker
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
        }
        func start() -> Bool { (try? process.run()) != nil }
        var pid: pid_t { process.processIdentifier }
        /// Its exit status as a shell reports it (128+N for signal N).
        func wait() -> Int32 {
            process.waitUntilExit()
            return process.terminationReason == .uncaughtSignal
                ? 128 + process.terminationStatus : process.terminationStatus
        }
        var text: String { TestHost.read(output) }
        /// After `wait`: whether it exited (true) or was killed by a signal (false).
        var exited: Bool { process.terminationReason == .exit }
    }

    /// `'…'` for /bin/sh.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
