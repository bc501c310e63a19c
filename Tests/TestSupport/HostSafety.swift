import Foundation
import Glibc
import Testing

/// Sandboxes built, and sessions started, by the current `withHostUnchanged` block.
/// (Host-touching tests run one at a time: scripts/test passes --no-parallel.)
public enum SandboxCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var built = 0
    nonisolated(unsafe) private static var sessions: Set<pid_t> = []

    /// A cfsh run asked for a namespace and got past the sandbox's set-up.
    public static func note() { lock.withLock { built += 1 } }

    public static var count: Int { lock.withLock { built } }

    static func started(session: pid_t) { _ = lock.withLock { sessions.insert(session) } }

    /// The sessions started so far (each cfsh run is the leader of its own).
    public static var startedSessions: Set<pid_t> { lock.withLock { sessions } }

    public static func forgetSessions() { lock.withLock { sessions = [] } }

    /// One line per block that built a sandbox, to the file scripts/test counts.
    static func record(_ runs: Int) {
        guard runs > 0, let path = TestHost.environment["CFSH_SANDBOX_COUNT_FILE"] else { return }
        let name = Test.current.map { "\($0.id)" } ?? "unknown test"
        let line = "\(name) sandboxes=\(runs)\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
}

/// What a run must never change (DESIGN "What is never lost"), seen from the host.
/// `process` is whose view of mounts and network links to read (`/proc/self`, or a
/// helper's `/proc/PID` in a namespace a leak test made).
public struct HostSnapshot: Equatable {
    public var hostname: String
    public var domainname: String
    public var mountinfo: [String]
    public var cgroups: [String]
    public var links: [String]
    public var descriptors: [String]
    public var canary: [String]
    /// The busybox rootfs every test shares (TestHost.rootfs): a sandbox whose command
    /// writes into it — `>/dev/null` in a chroot without `mount dev /dev` makes a
    /// regular file there — changes what the next test finds.
    public var sharedRootfs: [String]

    public init(process: String = "/proc/self", canary: String = TestHost.canary) {
        hostname = TestHost.read("/proc/sys/kernel/hostname")
        domainname = TestHost.read("/proc/sys/kernel/domainname")
        mountinfo = TestHost.read(process + "/mountinfo").split(separator: "\n").map(String.init)
        cgroups = HostSnapshot.cgroupDirectories()
            .filter { !HostSnapshot.isAnotherRunsCgroup($0) && !HostSnapshot.isOccupiedByOthers($0) }
        links = HostSnapshot.networkLinks(process)
        descriptors = HostSnapshot.openDescriptors()
        self.canary = HostSnapshot.files(canary)
        sharedRootfs = HostSnapshot.tree(TestHost.rootfs)
    }

    /// Every entry below `directory` with its type, and for files their size and
    /// modification time; a directory's own time is left out (a test may make a
    /// scratch file and remove it again).
    public static func tree(_ directory: String) -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        while let path = walk.nextObject() as? String {
            var st = stat()
            guard lstat(directory + "/" + path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: result.append(path + "/")
            case S_IFLNK: result.append(path + " -> link")
            default: result.append("\(path) mode=\(String(st.st_mode, radix: 8)) size=\(st.st_size) mtime=\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
            }
        }
        return result.sorted()
    }

    /// Every directory on every cgroup mount of the host (cgroup v1 controllers and
    /// cgroup2 alike), as "MOUNTPOINT/relative/path", at any depth.
    public static func cgroupDirectories() -> [String] {
        var result: [String] = []
        for line in TestHost.read("/proc/self/mountinfo").split(separator: "\n") {
            // mountinfo(5): fields, " - ", fstype, source, options.
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, let type = halves[1].split(separator: " ").first,
                  type == "cgroup" || type == "cgroup2" else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count > 4 else { continue }
            let mountPoint = String(fields[4])
            result.append(mountPoint)
            walk(mountPoint, into: &result)
        }
        return result.sorted()
    }

    /// A cgroup cfsh made for a run that is not this test's. cfsh names its cgroup
    /// `cfsh-PID` after its own (parent) process: this test's are named after a cfsh it
    /// started (the leader of a session it started), a process in such a session, or the
    /// test runner itself (the engine run in-process). Any other `cfsh-PID` is another
    /// suite's, or another user's, on a shared machine.
    public static func isAnotherRunsCgroup(_ path: String) -> Bool {
        let name = path.split(separator: "/").last ?? ""
        guard name.hasPrefix("cfsh-"), let pid = Int32(name.dropFirst(5)) else { return false }
        let sessions = SandboxCounter.startedSessions
        if pid == getpid() || sessions.contains(pid) { return false }
        let stat = TestHost.read("/proc/\(pid)/stat")
        if let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 3, let session = Int32(fields[3]), sessions.contains(session) { return false }
        }
        return true
    }

    /// A cgroup below a mount point holding a live process that is neither this test
    /// runner nor in a session a run of this test led: someone else's (the machine's own
    /// per-command cgroups come and go while the tests run). Its subdirectories are
    /// still looked at: cfsh makes its own below the runner's.
    public static func isOccupiedByOthers(_ path: String) -> Bool {
        let procs = TestHost.read(path + "/cgroup.procs").split(separator: "\n").compactMap { Int32($0) }
        let sessions = SandboxCounter.startedSessions, me = getpid()
        return procs.contains { pid in
            if pid == me || sessions.contains(pid) { return false }
            let stat = TestHost.read("/proc/\(pid)/stat")
            guard let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return !(fields.count > 3 && Int32(fields[3]).map(sessions.contains) == true)
        }
    }

    static func walk(_ directory: String, into result: inout [String]) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let path = directory + "/" + name
            result.append(path)
            walk(path, into: &result)
        }
    }

    /// The network interfaces of `process`'s network namespace (/proc/PID/net/dev).
    public static func networkLinks(_ process: String = "/proc/self") -> [String] {
        TestHost.read(process + "/net/dev").split(separator: "\n").dropFirst(2)
            .compactMap { $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces) }
            .sorted()
    }

    /// Foundation's `Process` opens a socket pair the first time one runs and keeps it
    /// for the life of the test runner: the runner's own machinery, not a leak. Run one
    /// before the first look, so whichever test first uses `Process` is not blamed.
    static let foundationProcessStarted: Void = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        if (try? process.run()) != nil { process.waitUntilExit() }
    }()

    /// The test runner's open descriptors and what they are: files, pipes, sockets
    /// (the listing's own descriptor, and the runtime's anonymous-inode ones —
    /// eventfd, timerfd, epoll — left out).
    public static func openDescriptors() -> [String] {
        _ = foundationProcessStarted
        guard let dir = opendir("/proc/self/fd") else { return [] }
        let own = dirfd(dir)
        var result: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard let fd = Int32(name), fd != own else { continue }
            let target = TestHost.link("/proc/self/fd/\(fd)")
            // libdispatch's own (Foundation opens and closes them as it pleases).
            if target.hasPrefix("anon_inode:") { continue }
            result.append("\(fd) -> \(target)")
        }
        closedir(dir)
        return result.sorted()
    }

    /// Files under `directory`, each with its size and modification time.
    public static func files(_ directory: String) -> [String] {
        guard let walk = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        while let path = walk.nextObject() as? String {
            var st = stat()
            if lstat(directory + "/" + path, &st) == 0 {
                result.append("\(path) size=\(st.st_size) mtime=\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)")
            }
        }
        return result.sorted()
    }

    /// What changed between `before` and this snapshot, one line per kind.
    public func differences(from before: HostSnapshot) -> [String] {
        func diff(_ what: String, _ old: [String], _ new: [String]) -> String? {
            let gone = old.filter { !new.contains($0) }, added = new.filter { !old.contains($0) }
            if gone.isEmpty && added.isEmpty { return old == new ? nil : "\(what) reordered" }
            return "\(what) changed: added \(added), removed \(gone)"
        }
        return [
            hostname == before.hostname ? nil : "the host's hostname changed: \(before.hostname) -> \(hostname)",
            domainname == before.domainname ? nil : "the host's domainname changed: \(before.domainname) -> \(domainname)",
            diff("the mount table", before.mountinfo, mountinfo),
            // A cgroup gone is reported only where cfsh could have removed it (it removes
            // only the cfsh-PID ones it makes): the machine's own per-command cgroups,
            // empty a moment before their owner removes them, come and go meanwhile.
            diff("cgroup directories", before.cgroups.filter { cgroups.contains($0) || $0.split(separator: "/").last?.hasPrefix("cfsh") == true },
                 cgroups),
            diff("network links", before.links, links),
            // A socket the runner closed meanwhile is not a leak: Foundation's `Process`
            // makes a socket pair per run and closes it on a queue of its own some time
            // after the process ended (it failed the first sandbox test of a runner now
            // and then: "removed [25 -> socket:[…]]"). A sandbox cannot close the runner's
            // descriptors; what it could do, leave one open here, is an addition.
            diff("the test runner's open descriptors",
                 before.descriptors.filter { descriptors.contains($0) || !$0.contains(" -> socket:[") }, descriptors),
            diff("the read-only canary directory", before.canary, canary),
            diff("the shared test rootfs " + TestHost.rootfs, before.sharedRootfs, sharedRootfs),
        ].compactMap { $0 }
    }

    /// Processes left by the test: those in a session a test's cfsh run led (what
    /// `clear env` cannot remove), those carrying the marker, and zombie children of
    /// this test process. Polls a while, so a sandbox that is still ending is not
    /// counted. Returns "PID description" lines.
    public static func leftovers(marker: String, sessions: Set<pid_t> = SandboxCounter.startedSessions,
                                 timeout: Double = 1) -> [String] {
        var found: [String] = []
        TestHost.waitUntil(timeout: timeout, every: 20_000) {
            found = []
            let me = getpid()
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
                guard let pid = Int32(entry), pid != me else { continue }
                // stat(5): "pid (comm) state ppid pgrp session ..."; comm may hold spaces.
                let stat = TestHost.read("/proc/\(pid)/stat")
                guard let close = stat.lastIndex(of: ")") else { continue }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                guard fields.count > 3 else { continue }
                let state = fields[0], ppid = Int32(fields[1]) ?? 0, session = Int32(fields[3]) ?? 0
                let command = TestHost.read("/proc/\(pid)/cmdline").replacingOccurrences(of: "\0", with: " ")
                if state == "Z" {
                    // A dead process: ours to reap if it is our child; an orphan's
                    // zombie is its reaper's (this VM's PID 1 reaps slowly).
                    if ppid == me { found.append("\(pid) zombie child") }
                } else if sessions.contains(session) {
                    found.append("\(pid) in session \(session): \(command)")
                } else {
                    let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
                    if String(decoding: environ, as: UTF8.self).contains("CFSH_SANDBOX_TEST=\(marker)\0") {
                        found.append("\(pid) with the marker: \(command)")
                    }
                }
            }
            return found.isEmpty
        }
        return found
    }

    /// Ends processes `leftovers` found (each one this test started, by pid) and reaps
    /// zombie children.
    public static func end(_ leftovers: [String]) {
        for line in leftovers {
            guard let pid = Int32(line.split(separator: " ").first ?? "") else { continue }
            if line.hasSuffix("zombie child") {
                var status: Int32 = 0
                waitpid(pid, &status, WNOHANG)
            } else {
                kill(pid, SIGKILL)
            }
        }
    }
}

/// Runs `body` and checks afterwards — whatever happened — that the host is unchanged
/// and nothing of the test's sandboxes is left. When `requiring` is missing (which
/// only happens under CFSH_REQUIRE_SANDBOX=1; otherwise the test's `.needs` trait
/// skipped it) the test fails and the body does not run. A block in which cfsh built
/// a sandbox is counted (see `SandboxCounter`).
public func withHostUnchanged(requiring requirement: Requirement? = .sandbox,
                              sourceLocation: SourceLocation = #_sourceLocation,
                              _ body: (_ marker: String) throws -> Void) rethrows {
    if let requirement, let reason = requirement.unmetReason {
        Issue.record(Comment(rawValue: "required (CFSH_REQUIRE_SANDBOX=1) but missing: \(reason)"),
                     sourceLocation: sourceLocation)
        return
    }
    let marker = UUID().uuidString
    SandboxCounter.forgetSessions()
    let built = SandboxCounter.count
    let before = HostSnapshot()
    defer {
        let left = HostSnapshot.leftovers(marker: marker)
        if !left.isEmpty {
            Issue.record(Comment(rawValue: "processes left behind: \(left)"), sourceLocation: sourceLocation)
            HostSnapshot.end(left)
        }
        let after = HostSnapshot()
        for difference in after.differences(from: before) {
            Issue.record(Comment(rawValue: difference), sourceLocation: sourceLocation)
        }
        SandboxCounter.forgetSessions()
        SandboxCounter.record(SandboxCounter.count - built)
    }
    try body(marker)
}
