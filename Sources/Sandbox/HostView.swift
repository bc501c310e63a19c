#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

// The host as the compiler sees it (CFSLanguage's HostFacts): the one place where paths
// in the planned root are resolved with the kernel's semantics, for the checker, for
// `explain` and for Tab completion alike. A path is opened with openat2(2)
// RESOLVE_IN_ROOT from an O_PATH fd of the planned root, so `..` stops at the root and
// the rootfs's absolute symlinks (/bin/sh -> /bin/busybox) point into the rootfs, not
// at the host — as they will after chroot(2). Nothing is created or changed.

public struct LinuxHost: HostFacts {
    public init() {}

    /// Asked for every plan command the checker adds: geteuid(2) once per process, not
    /// once per line (a 100,000-line `cfsh -n` made 100,000 calls). cfsh never changes
    /// its own effective uid.
    public var isRoot: Bool { Self.effectiveUIDIsRoot }
    private static let effectiveUIDIsRoot = geteuid() == 0
    public var invokingUID: UInt32 { getuid() }
    public var invokingGID: UInt32 { getgid() }

    /// Asked by the checker, the lint and `explain`, several times per script: getcwd(3)
    /// once per process, as geteuid above (a start made four getcwd calls where the floor
    /// makes one). cfsh never changes its own working directory.
    public var startingView: RootView { Self.processStartingView }
    private static let processStartingView: RootView = {
        // getcwd(3) returns the resolved path: a working directory has no symlinks.
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let cwd = getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "/"
        return RootView(root: "/", cwd: cwd)
    }()

    public func lookup(_ path: String, in view: RootView) -> PathLookup {
        withOpened(path, in: view) { fd, root in
            var st = stat()
            guard fstat(fd, &st) == 0 else { return failed(errno) }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                guard let resolved = insidePath(of: fd, root: root) else { return failed(ENAMETOOLONG) }
                return .directory(inside: resolved)
            case S_IFREG:
                return .regularFile(executable: st.st_mode & 0o111 != 0)
            default:
                return .other
            }
        }
    }

    public func listDirectory(_ path: String, in view: RootView) -> [DirectoryEntry]? {
        var entries: [DirectoryEntry]?
        _ = withOpened(path, in: view) { fd, _ in
            // O_PATH fds cannot be read: reopen the directory through /proc/self/fd.
            let dirFD = open("/proc/self/fd/\(fd)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard dirFD >= 0, let dir = fdopendir(dirFD) else { return .other }
            defer { closedir(dir) }
            var list: [DirectoryEntry] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
                if entry.pointee.d_type == UInt8(DT_LNK) || entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                    // A symlink to a directory completes as one, resolved inside the root.
                    if case .directory = lookup(view.inside(path.hasSuffix("/") ? path + name : path + "/" + name),
                                                in: view) {
                        isDirectory = true
                    }
                }
                list.append(DirectoryEntry(name: name, isDirectory: isDirectory))
            }
            entries = list
            return .other
        }
        return entries
    }

    public func readScript(_ path: String) -> ScriptFile {
        switch LinuxHost.readFile(path) {
        case .read(let bytes): return .read(bytes)
        case .failed(let reason): return .failed(reason: reason)
        }
    }

    public var maxOpenFiles: UInt64? {
        guard case .read(let bytes) = LinuxHost.readFile("/proc/sys/fs/nr_open") else { return nil }
        return UInt64(String(decoding: bytes.filter { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
    }

    /// The whole of a file; a directory, a missing or unreadable file is one sentence.
    public static func readFile(_ path: String) -> ScriptFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failed(reason: Errno(errno).description) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            return .failed(reason: Errno(EISDIR).description)
        }
        return readAll(fd)
    }

    /// Reads to EOF (a FIFO that never ends is the user's to interrupt).
    public static func readAll(_ fd: Int32) -> ScriptFile {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failed(reason: Errno(errno).description)
            }
            if n == 0 { return .read(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    // MARK: - Resolving inside the planned root

    private func failed(_ code: Int32) -> PathLookup {
        .failed(errno: code, reason: Errno(code).description)
    }

    /// Opens `path` (O_PATH) inside the view's root, from its working directory, and
    /// hands the fd and the root's host path to `body`.
    private func withOpened(_ path: String, in view: RootView,
                            _ body: (Int32, String) -> PathLookup) -> PathLookup {
        guard let root = view.root else { return failed(ENOENT) }
        // O_PATH (0o10000000, open(2)) is not exported by Glibc's module.
        let rootFD = open(root, 0o10000000 | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { return failed(errno) }
        defer { close(rootFD) }
        let fd = cfs_open_in_root(rootFD, view.inside(path))
        guard fd >= 0 else { return failed(-fd) }
        defer { close(fd) }
        return body(fd, root)
    }

    /// The resolved path of an open fd, inside `root`: readlink(2) of /proc/self/fd/N
    /// gives its host path.
    private func insidePath(of fd: Int32, root: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        buffer[n] = 0
        let host = String(cString: buffer)
        if root == "/" { return host }
        if host == root { return "/" }
        guard host.hasPrefix(root + "/") else { return nil }
        return String(host.dropFirst(root.utf8.count))
    }
}

/// The planned root and command environment after all of a plan's steps, for `explain`:
/// the same view the checker follows (RootView.follow, LinuxHost's lookups).
struct PlannedRoot {
    let view: RootView?
    var environment = CommandEnvironment.inherited

    init(_ plan: Plan) {
        let host = LinuxHost()
        var view = host.startingView
        for step in plan.steps {
            _ = view.follow(step.action, at: step.location, host: host)
            switch step.action {
            case .setEnv(let name, let value): environment.set(name, value)
            case .unsetEnv(let name): environment.unset(name)
            case .clearEnv: environment.clear()
            default: break
            }
        }
        self.view = view.root == nil ? nil : view
    }

    /// nil: `path` would execute, or it is not known; otherwise the errno execve(2) would give.
    func lookup(_ path: String) -> Errno? {
        guard let view else { return nil }
        return LinuxHost().lookup(path, in: view).execveFailure.map { Errno($0.errno) }
    }

    func close() {}
}
