import Foundation
import Glibc
import Testing

/// What the integration tests need: root, namespaces, the built cfsh and a busybox
/// rootfs. When any is missing they are skipped and the reason printed.
public enum TestHost {
    public static let cfsh: String = {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("cfsh").path
    }()

    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// Made once per test run by scripts/mkrootfs (idempotent).
    public static let rootfs = "/tmp/cfsh-sandbox-tests-rootfs"

    public static let unavailableReason: String? = {
        if geteuid() != 0 { return "not root" }
        if !FileManager.default.fileExists(atPath: "/proc/self/ns/uts") { return "no namespaces (/proc/self/ns)" }
        if !FileManager.default.isExecutableFile(atPath: cfsh) { return "cfsh not built at \(cfsh)" }
        if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") {
            return "no /bin/busybox (apt-get install busybox-static)"
        }
        let made = shell("\(repository)/scripts/mkrootfs busybox \(rootfs) >/dev/null 2>&1")
        if made != 0 { return "scripts/mkrootfs failed (\(made))" }
        // One real namespace, to know the kernel lets us.
        let probe = run(["-c", "unshare uts pid mount; exec true"])
        if probe.status != 0 { return "cannot create namespaces here: \(probe.stderr)" }
        return nil
    }()

    public static var available: Bool {
        if let reason = unavailableReason {
            FileHandle.standardError.write("SandboxTests: skipping integration tests: \(reason)\n".data(using: .utf8)!)
            return false
        }
        return true
    }

    public static func shell(_ command: String) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public struct Run {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// Runs cfsh as a user would, with a marker in its environment that every process
    /// of the sandbox inherits (see `HostSnapshot.leftovers`).
    public static func run(_ arguments: [String], marker: String = "none", stdin: Data? = nil,
                           user: String? = nil, directory: String? = nil,
                           whileRunning: ((Process) -> Void)? = nil) -> Run {
        let process = Process()
        if let user {
            // setpriv(1): run as another user, to see what an unprivileged user gets.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", cfsh] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: cfsh)
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["CFSH_SANDBOX_TEST"] = marker
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? repository)
        let output = Pipe(), errors = Pipe()
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return Run(status: -1, stdout: "", stderr: "\(error)") }
        if let stdin {
            // Fed from a thread: a 1 MB script must not deadlock on a full pipe.
            Thread {
                input.fileHandleForWriting.write(stdin)
                try? input.fileHandleForWriting.close()
            }.start()
        }
        whileRunning?(process)
        final class Box: @unchecked Sendable { var data = Data() }
        let err = Box()
        let reader = Thread { err.data = errors.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return Run(status: status, stdout: String(decoding: out, as: UTF8.self),
                   stderr: String(decoding: err.data, as: UTF8.self))
    }

    public static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    public static func link(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? ""
    }
}

/// What a run must never change: checked around every integration test, failing ones
/// included.
public struct HostSnapshot: Equatable {
    public init() {}
    public var hostname = TestHost.read("/proc/sys/kernel/hostname")
    public var domainname = TestHost.read("/proc/sys/kernel/domainname")
    public var mountinfo = TestHost.read("/proc/self/mountinfo")
    public var cgroups = HostSnapshot.cgroupDirectories()

    public static func cgroupDirectories() -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: "/sys/fs/cgroup") else { return [] }
        var result: [String] = []
        while let path = walk.nextObject() as? String {
            if walk.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { result.append(path) }
            if walk.level > 3 { walk.skipDescendants() }
        }
        return result.sorted()
    }

    /// Processes still carrying the marker, and zombie children of this test process.
    public static func leftovers(marker: String) -> [String] {
        var found: [String] = []
        for attempt in 0..<50 {
            found = []
            let me = getpid()
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry) else { continue }
                let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
                if String(decoding: environ, as: UTF8.self).contains("CFSH_SANDBOX_TEST=\(marker)\0") {
                    found.append("\(pid) \(TestHost.read("/proc/\(pid)/cmdline"))")
                }
                let status = TestHost.read("/proc/\(pid)/status")
                if status.contains("State:\tZ"), status.contains("\nPPid:\t\(me)\n") {
                    found.append("zombie \(pid)")
                }
            }
            if found.isEmpty || attempt == 49 { break }
            usleep(20_000)
        }
        return found
    }
}

/// Runs `body` and checks afterwards — whatever happened — that the host is unchanged
/// and nothing of the test's sandboxes is left.
public func withHostUnchanged(_ body: (_ marker: String) throws -> Void) rethrows {
    let marker = UUID().uuidString
    let before = HostSnapshot()
    defer {
        let after = HostSnapshot()
        #expect(after.hostname == before.hostname, "the host's hostname changed")
        #expect(after.domainname == before.domainname, "the host's domainname changed")
        #expect(after.mountinfo == before.mountinfo, "the host's mount table changed")
        #expect(after.cgroups == before.cgroups, "cgroup directories changed")
        #expect(HostSnapshot.leftovers(marker: marker) == [], "processes left behind")
    }
    try body(marker)
}
