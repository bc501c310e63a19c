/// What the compiler asks of the host, so the language stays pure: the CLI passes the
/// real host (the engine resolves paths as the kernel will, with openat2(2)
/// RESOLVE_IN_ROOT), tests and the fuzzer a fake. No host (nil) skips these checks, as
/// the child does when it decodes its plan.
public protocol HostFacts {
    /// geteuid(2) == 0.
    var isRoot: Bool { get }
    /// getuid(2) and getgid(2): the only ids a user namespace made without root may map.
    var invokingUID: UInt32 { get }
    var invokingGID: UInt32 { get }
    /// The root and working directory a plan starts from: the host's `/` and cfsh's
    /// working directory.
    var startingView: RootView { get }
    /// What `path` is, seen from inside `view` as the kernel resolves it: symlinks, `..`
    /// and absolute links stay inside the planned root (openat2(2) RESOLVE_IN_ROOT).
    /// Only called with a known root.
    func lookup(_ path: String, in view: RootView) -> PathLookup
    /// The names in a directory seen from inside `view` (completion); nil if unreadable.
    func listDirectory(_ path: String, in view: RootView) -> [DirectoryEntry]?
    /// The whole of a script file, for `load` (a path on the host, as `cfsh FILE` takes).
    func readScript(_ path: String) -> ScriptFile
    /// /proc/sys/fs/nr_open: the most RLIMIT_NOFILE may be (setrlimit(2)); nil if unknown.
    var maxOpenFiles: UInt64? { get }
}

/// The root and working directory the command will have after the plan's steps so far:
/// the one view of the planned root that the checker, the engine's preflight and
/// completion share. A value, so `undo` restores it and a trial compile cannot leak.
public struct RootView: Sendable, Equatable {
    /// The planned root as a host path with every symlink resolved (`/`: the host's own);
    /// nil once a step makes it unknowable here (a mount over the tree, or a change of
    /// root that will fail) — from then on paths are not checked rather than guessed.
    public var root: String?
    /// The working directory, as a resolved path inside the root.
    public var cwd: String

    public init(root: String?, cwd: String) {
        self.root = root
        self.cwd = cwd
    }

    /// `path` as seen inside the root: absolute as written, relative from `cwd`.
    public func inside(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
    }

    /// The host path of a resolved path inside the root.
    public func hostPath(_ insidePath: String) -> String? {
        guard let root else { return nil }
        if root == "/" { return insidePath }
        return insidePath == "/" ? root : root + insidePath
    }
}

/// What a path is, inside the planned root.
public enum PathLookup: Sendable, Equatable {
    /// A directory, with its resolved path inside the root.
    case directory(inside: String)
    case regularFile(executable: Bool)
    case other
    /// It cannot be reached: the errno of the lookup (ENOENT, ENOTDIR, ELOOP, EACCES...)
    /// and strerror(3)'s text for it.
    case failed(errno: Int32, reason: String)
}

public struct DirectoryEntry: Sendable, Equatable {
    public var name: String
    public var isDirectory: Bool
    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// A script `load` read, or why it could not.
public enum ScriptFile: Sendable {
    case read([UInt8])
    case failed(reason: String)
}

/// The errnos the language names (Linux's numbers, errno(3)); the language has no libc.
enum LinuxErrno {
    static let ENOENT: Int32 = 2
    static let EACCES: Int32 = 13
    static let ENOTDIR: Int32 = 20
}
