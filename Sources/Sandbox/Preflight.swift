#if canImport(Glibc)
import Glibc
#endif
import CLinux
import CFSLanguage

// Checks made in the parent before clone: nothing is started if they fail. Paths are
// resolved inside the planned root with openat2(RESOLVE_IN_ROOT), as the child will see
// them after chroot: the rootfs's absolute symlinks (/bin/sh -> /bin/busybox) point into
// the rootfs, not at the host. Where the plan's own mounts could change the answer, the
// check is skipped rather than guessed (the child reports it then).

func preflightFailures(_ plan: Plan, argv: [String]) -> [SandboxFailure] {
    var walk = PlannedRoot(plan)
    var failures = walk.failures
    if let failure = walk.commandFailure(argv) { failures.append(failure) }
    walk.close()
    return failures
}

/// The root and working directory the command will have, followed through the plan's
/// chroot and chdir steps on the host as it is now.
struct PlannedRoot {
    /// An O_PATH fd of the planned root on the host; -1 once unknown.
    private(set) var rootFD: Int32
    /// The working directory, as a path inside the root.
    private(set) var cwd: String
    private(set) var failures: [SandboxFailure] = []
    /// A mount or umount the check cannot see through.
    private(set) var mountsChangeTree = false
    var environment = CommandEnvironment.inherited

    init(_ plan: Plan) {
        rootFD = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        cwd = getcwd(&buffer, buffer.count) != nil ? String(cString: buffer) : "/"
        for (index, planStep) in plan.steps.enumerated() {
            switch planStep.action {
            case .mount(let mount) where mount.kind == .proc || mount.kind == .sysfs:
                break  // never where commands live
            case .mount, .umount, .pivotRoot:
                mountsChangeTree = true
            case .chroot(let directory):
                guard rootFD >= 0, !mountsChangeTree else { forget(); continue }
                let fd = cfs_open_in_root(rootFD, inside(directory))
                var st = stat()
                if fd < 0 || fstat(fd, &st) != 0 || st.st_mode & S_IFMT != S_IFDIR {
                    let error = fd < 0 ? Errno(-fd) : Errno(ENOTDIR)
                    failures.append(SandboxFailure.setup("chroot", directory, error, index: index))
                    if fd >= 0 { Glibc.close(fd) }
                    forget()
                    continue
                }
                Glibc.close(rootFD)
                rootFD = fd
                cwd = "/"
            case .chdir(let directory):
                cwd = normalise(inside(directory))
            case .setEnv(let name, let value): environment.set(name, value)
            case .unsetEnv(let name): environment.unset(name)
            case .clearEnv: environment.clear()
            default:
                break
            }
        }
    }

    mutating func close() { forget() }

    private mutating func forget() {
        if rootFD >= 0 { Glibc.close(rootFD) }
        rootFD = -1
    }

    /// A path as seen inside the root, from the planned working directory.
    func inside(_ path: String) -> String {
        path.hasPrefix("/") ? path : (cwd.hasSuffix("/") ? cwd : cwd + "/") + path
    }

    /// nil: executable; otherwise why not (ENOENT, EACCES). nil too when unknown.
    func lookup(_ path: String) -> Errno? {
        guard rootFD >= 0, !mountsChangeTree else { return nil }
        let fd = cfs_open_in_root(rootFD, inside(path))
        if fd < 0 { return Errno(-fd) }
        defer { Glibc.close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return Errno.current }
        if st.st_mode & S_IFMT != S_IFREG || st.st_mode & 0o111 == 0 { return Errno(EACCES) }
        return nil
    }

    /// 127 when the command is nowhere to be found, 126 when it is not executable.
    func commandFailure(_ argv: [String]) -> SandboxFailure? {
        guard rootFD >= 0, !mountsChangeTree, let name = argv.first, !name.isEmpty else {
            return nil
        }
        if name.contains("/") {
            guard let error = lookup(name) else { return nil }
            return execFailure(name, error)
        }
        var denied = false
        for directory in environment.searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let dir = directory.isEmpty ? "." : String(directory)
            switch lookup(dir + "/" + name)?.rawValue {
            case nil: return nil
            case EACCES: denied = true
            default: continue
            }
        }
        if denied { return execFailure(name, Errno(EACCES)) }
        return execFailure(name, Errno(ENOENT),
                           reason: "not found in PATH (\(environment.searchPath))")
    }
}

/// Removes `.`, `..` and repeated slashes, lexically.
func normalise(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { _ = parts.popLast(); continue }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}
