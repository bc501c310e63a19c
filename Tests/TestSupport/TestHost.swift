import Foundation
import Glibc
import Testing

/// What the integration tests need, and how they run cfsh.
///
/// Environment (scripts/test sets the first three):
/// - `CFSH_REQUIRE_SANDBOX=1`: a test whose requirement is missing (root, namespaces, the
///   release cfsh, tmux, strace…) fails instead of being skipped.
/// - `CFSH_SANDBOX_COUNT_FILE=PATH`: every `withHostUnchanged` block in which cfsh built
///   a real sandbox appends one line to PATH (scripts/test counts them).
/// - `CFSH_BINARY=PATH`: the cfsh to test; default: the static release binary that
///   scripts/setup builds, `.build/release/cfsh`.
/// - `CFSH_TEST_WRAPPER="CMD ARGS"`: a command prefix put before every cfsh the tests
///   run (e.g. `strace -f -o /dev/null -e inject=clone3:error=EPERM`, to prove that a
///   broken clone path turns the suite red).
public enum TestHost {
    public static let environment = ProcessInfo.processInfo.environment

    /// Under `CFSH_REQUIRE_SANDBOX=1` nothing that needs the host may skip.
    public static let sandboxRequired = environment["CFSH_REQUIRE_SANDBOX"] == "1"

    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The shipped binary: the static release cfsh of scripts/setup (README "Tests").
    public static let cfsh: String = environment["CFSH_BINARY"] ?? repository + "/.build/release/cfsh"

    public static let wrapper: [String] = (environment["CFSH_TEST_WRAPPER"] ?? "")
        .split(separator: " ").map(String.init)

    /// Made once per test run by scripts/mkrootfs (idempotent), inside the build
    /// directory: nothing of the suite lives in /tmp. Readable by every user (the
    /// rootless tests chroot into it as uid 65534).
    public static let rootfs = repository + "/.build/cfsh-test-rootfs"

    /// The teaching examples (the lessons), by lesson number: every `stepN*.cfs` in
    /// examples/, so that a new example is walked by every test that walks them.
    public static let examples: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: repository + "/examples")) ?? []
        func number(_ name: String) -> Int { Int(name.dropFirst(4).prefix { $0.isNumber }) ?? 0 }
        return names.filter { $0.hasPrefix("step") && $0.hasSuffix(".cfs") }.sorted { number($0) < number($1) }
    }()

    /// A directory sandboxes bind read-only: if `ro` regresses, the write lands here,
    /// where the host snapshot sees it, not in /etc.
    public static let canary = repository + "/.build/cfsh-test-canary"

    static let prepared: String? = {
        if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") {
            return "no /bin/busybox (apt-get install busybox-static)"
        }
        let made = shell("'\(repository)/scripts/mkrootfs' busybox '\(rootfs)' >/dev/null 2>&1")
        if made != 0 { return "scripts/mkrootfs busybox \(rootfs) failed (\(made))" }
        let canaryMade = shell("mkdir -p '\(canary)' && echo canary > '\(canary)/file' && chmod 755 '\(canary)' && chmod 644 '\(canary)/file'")
        if canaryMade != 0 { return "cannot make the canary directory \(canary)" }
        return nil
    }()

    /// Whether this host can make the namespaces cfsh uses, asked of unshare(1)
    /// (util-linux) — never of cfsh, whose breakage must fail the tests, not skip them.
    static let namespacesReason: String? = {
        if geteuid() != 0 { return "not root" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") {
            return "no unshare(1) to probe namespaces with (util-linux)"
        }
        let status = shell("/usr/bin/unshare --uts --ipc --net --pid --mount --cgroup --fork /bin/true 2>/dev/null")
        return status == 0 ? nil : "unshare(1) cannot make uts ipc net pid mount cgroup namespaces here (\(status))"
    }()

    static let rootlessReason: String? = {
        // What this kernel allows an unprivileged user: mount proc in a new PID
        // namespace of a new user namespace (unshare -rmpf).
        let status = shell("/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/unshare -rmpf mount -t proc proc /proc 2>/dev/null")
        return status == 0 ? nil : "an unprivileged user cannot mount proc in a new user+pid namespace here (unshare -rmpf: \(status))"
    }()

    static var binaryReason: String? {
        FileManager.default.isExecutableFile(atPath: cfsh) ? nil
            : "the release cfsh is not built at \(cfsh) (scripts/setup builds it)"
    }

    /// Why the integration tests cannot run here, or nil.
    public static var unavailableReason: String? { Requirement.sandbox.unmetReason }

    /// Kept for old call sites: true when the integration tests can run.
    public static var available: Bool { unavailableReason == nil }

    public static func shell(_ command: String) -> Int32 {
        run(argv: ["/bin/sh", "-c", command], newSession: false).status
    }

    public struct Run {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// Runs cfsh as a user would, in a session of its own (so every process of the
    /// sandbox is found by its session id, which `clear env` cannot remove; see
    /// `HostSnapshot.leftovers`) and with a marker in its environment.
    /// `whileRunning` gets cfsh's pid.
    public static func run(_ arguments: [String], marker: String = "none", stdin: Data? = nil,
                           user: String? = nil, directory: String? = nil,
                           whileRunning: ((pid_t) -> Void)? = nil) -> Run {
        var argv = wrapper
        if let user {
            // setpriv(1): run as another user, to see what an unprivileged user gets.
            argv += ["/usr/bin/setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"]
        }
        argv += [cfsh] + arguments
        var environment = Self.environment
        environment["CFSH_SANDBOX_TEST"] = marker
        let result = run(argv: argv, environment: environment, stdin: stdin, directory: directory ?? repository,
                         newSession: true, whileRunning: whileRunning)
        if Self.asksForSandbox(arguments), ![2, 125, -1].contains(result.status) {
            SandboxCounter.note()
        }
        return result
    }

    /// A run that asks for a namespace: `-c SCRIPT` or a script file that says `unshare`.
    static func asksForSandbox(_ arguments: [String]) -> Bool {
        guard let first = arguments.first else { return false }
        if first == "-n" { return false }
        if first == "-c", arguments.count > 1 { return arguments[1].contains("unshare ") }
        return read(first).contains("\nunshare ") || read(first).hasPrefix("unshare ")
    }

    /// Spawns argv with posix_spawn(2) — in a new session when asked, with the test
    /// runner's other descriptors closed and signals at their defaults — feeds stdin,
    /// collects stdout and stderr and waits. Status 128+N for a signal, -1 if it could
    /// not start.
    public static func run(argv: [String], environment: [String: String] = TestHost.environment,
                           stdin: Data? = nil, directory: String? = nil, newSession: Bool,
                           whileRunning: ((pid_t) -> Void)? = nil) -> Run {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            return Run(status: -1, stdout: "", stderr: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin == nil {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        } else {
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // glibc's _np actions (Swift's Glibc module is built without _GNU_SOURCE).
        _ = Spawn.closeFrom(&actions, 3)
        if let directory { _ = Spawn.changeDirectory(&actions, directory) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newSession { flags |= 0x80 /* POSIX_SPAWN_SETSID */ }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, &cArgs, &cEnv)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard spawned == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            return Run(status: -1, stdout: "", stderr: "\(argv[0]): \(String(cString: strerror(spawned)))")
        }
        if newSession { SandboxCounter.started(session: pid) }
        let writeEnd = inPipe[1]
        if let stdin {
            // Fed from a thread: a 1 MB script must not deadlock on a full pipe.
            Thread {
                stdin.withUnsafeBytes { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let n = write(writeEnd, bytes.baseAddress! + offset, bytes.count - offset)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { break }
                        offset += n
                    }
                }
                close(writeEnd)
            }.start()
        } else {
            close(writeEnd)
        }
        final class Box: @unchecked Sendable { var data = Data(); var done = false }
        func reader(_ fd: Int32) -> Box {
            let box = Box()
            Thread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = Glibc.read(fd, &buffer, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    box.data.append(contentsOf: buffer[0..<n])
                }
                close(fd)
                box.done = true
            }.start()
            return box
        }
        let out = reader(outPipe[0]), err = reader(errPipe[0])
        whileRunning?(pid)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Output ends when the last holder of the pipes exits (a leaked background
        // process holds them too: leak tests redirect its output).
        while !(out.done && err.done) { usleep(1000) }
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Run(status: code, stdout: String(decoding: out.data, as: UTF8.self),
                   stderr: String(decoding: err.data, as: UTF8.self))
    }

    /// Starts argv in the background (stdio on /dev/null, the runner's descriptors
    /// closed) without Foundation's Process, whose dispatch machinery keeps descriptors
    /// open in the runner; the caller kills and reaps it by pid.
    public static func start(_ argv: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        _ = Spawn.closeFrom(&actions, 3)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        return posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 ? pid : nil
    }

    enum Spawn {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        nonisolated(unsafe) static let closeFrom = unsafeBitCast(
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")!, to: CloseFrom.self)
        nonisolated(unsafe) static let changeDirectory = unsafeBitCast(
            dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")!, to: ChangeDirectory.self)
    }

    public static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    public static func link(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? ""
    }

    /// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held.
    @discardableResult
    public static func waitUntil(timeout: Double = 10, every interval: useconds_t = 10_000,
                                 _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if condition() { return true }
            if Date() >= deadline { return false }
            usleep(interval)
        }
    }
}

/// What a test needs from the host. Outside `CFSH_REQUIRE_SANDBOX=1` a test whose
/// requirement is missing is skipped by Swift Testing (`.needs(...)`, shown as skipped
/// with the reason); under it the test runs and fails at `requireHost` (or at
/// `withHostUnchanged`, which calls it).
public enum Requirement: Sendable, CustomStringConvertible {
    /// root, namespaces (asked of unshare(1)), the release cfsh, the busybox rootfs.
    case sandbox
    /// all of `.sandbox`, and an unprivileged user may make user+pid namespaces.
    case rootless
    /// all of `.sandbox`, and tmux for a real pseudo-terminal.
    case tmux
    /// the release cfsh and strace(1).
    case strace
    /// the release cfsh and gdb(1) (scripts/setup installs it).
    case gdb
    /// all of `.sandbox`, and perf(1) (linux-perf; scripts/setup installs it).
    case perf
    /// root (to switch to an unprivileged user) and the release cfsh.
    case root
    /// the release cfsh (scripts/setup).
    case releaseBinary
    /// all of `.sandbox`, and bubblewrap (scripts/setup installs it): the tests that
    /// check `verify PID` against a sandbox another tool made.
    case bwrap

    public var unmetReason: String? {
        switch self {
        case .sandbox:
            return TestHost.namespacesReason ?? TestHost.binaryReason ?? TestHost.prepared
        case .rootless:
            return Requirement.sandbox.unmetReason ?? TestHost.rootlessReason
        case .tmux:
            return Requirement.sandbox.unmetReason
                ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") ? nil : "tmux is not installed (scripts/setup installs it)")
        case .strace:
            return TestHost.binaryReason
                ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") ? nil : "strace is not installed (scripts/setup installs it)")
        case .gdb:
            return TestHost.binaryReason
                ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb") ? nil : "gdb is not installed (scripts/setup installs it)")
        case .perf:
            return Requirement.sandbox.unmetReason
                ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/perf") ? nil : "perf is not installed (scripts/setup installs linux-perf)")
        case .root:
            return (geteuid() == 0 ? nil : "not root: switching to an unprivileged user needs root") ?? TestHost.binaryReason
        case .releaseBinary:
            return TestHost.binaryReason
        case .bwrap:
            return Requirement.sandbox.unmetReason
                ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap") ? nil : "bubblewrap is not installed (scripts/setup installs it)")
        }
    }

    public var description: String {
        switch self {
        case .sandbox: "root, namespaces, the release cfsh and a busybox rootfs"
        case .rootless: "unprivileged user namespaces"
        case .tmux: "tmux"
        case .strace: "strace"
        case .gdb: "gdb"
        case .perf: "perf"
        case .root: "root"
        case .releaseBinary: "the release cfsh"
        case .bwrap: "bubblewrap"
        }
    }
}

public struct RequirementMissing: Error, CustomStringConvertible {
    public var description: String
}

/// Records a failure and throws when `requirement` is missing (reached only under
/// `CFSH_REQUIRE_SANDBOX=1`, or in a test without the matching `.needs` trait).
public func requireHost(_ requirement: Requirement, sourceLocation: SourceLocation = #_sourceLocation) throws {
    if let reason = requirement.unmetReason {
        let why = "required (CFSH_REQUIRE_SANDBOX=1) but missing: \(reason)"
        Issue.record(Comment(rawValue: why), sourceLocation: sourceLocation)
        throw RequirementMissing(description: why)
    }
}

extension Trait where Self == ConditionTrait {
    /// Skipped, with the reason, when `requirement` is missing — unless
    /// `CFSH_REQUIRE_SANDBOX=1`, which runs the test so that it fails.
    public static func needs(_ requirement: Requirement) -> Self {
        let reason = requirement.unmetReason
        return .enabled(if: reason == nil || TestHost.sandboxRequired,
                        Comment(rawValue: reason.map { "needs \(requirement): \($0)" } ?? "needs \(requirement)"))
    }
}
