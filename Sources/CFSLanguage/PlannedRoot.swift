/// Following the planned root through the plan's steps: the one place where `chroot`,
/// `pivot_root` and `chdir` are resolved before anything runs. The host answers each
/// lookup as the kernel will (HostFacts.lookup: openat2(2) RESOLVE_IN_ROOT inside the
/// planned root, from its working directory), so `chroot r; chroot /inner` follows an
/// absolute symlink `r/inner -> /real` to `r/real`, as chroot(2) will.
extension RootView {
    /// The longest resolved path followed: past PATH_MAX (4096, path_resolution(7)) the
    /// view stops (`cd a` × 100,000 stays linear).
    static let longestPath = 4096

    /// Applies one step; returns what is wrong with it. After a step that will fail, or
    /// one this view cannot see through (a mount over the tree), the root becomes
    /// unknown and later paths are not checked — one error per cause, no guesses.
    public mutating func follow(_ step: Step, at location: SourceLocation, host: HostFacts) -> Diagnostic? {
        guard root != nil else { return nil }
        switch step {
        case .chroot(let directory), .pivotRoot(let directory):
            let verb = step.isPivotRoot ? "pivot_root" : "chroot"
            switch directoryLookup(directory, verb, at: location, host: host) {
            case .success(let inside):
                root = hostPath(inside)
                cwd = "/"  // chroot then chdir("/"), as the talk does; pivot_root likewise (Root.swift)
            case .failure(let problem):
                root = nil
                return problem
            }
        case .chdir(let directory):
            switch directoryLookup(directory, "chdir", at: location, host: host) {
            case .success(let inside): cwd = inside
            case .failure(let problem):
                root = nil
                return problem
            }
        case .mount(let mount) where mount.kind == .proc || mount.kind == .sysfs:
            break  // never where commands or roots live
        case .mount(let mount) where (mount.kind == .bind || mount.kind == .rbind) && mount.source != nil:
            // A bind source that is not there was found only by the sandbox (exit 125);
            // like a missing chroot directory, it is an error before anything runs
            // (issue 11, item 2). The tree under the target changes: not followed after.
            let source = mount.source ?? ""
            let problem: Diagnostic?
            if case .failed(let errno, let reason) = host.lookup(source, in: self) {
                let path = inside(source)
                let shown = root == "/" && path == source
                    ? quoted(source) : "\(quoted(source)) (\(hostPath(path) ?? path) on the host)"
                problem = Diagnostic("mount: bind source \(shown) "
                                     + (errno == LinuxErrno.ENOENT ? "does not exist" : reason), at: location)
            } else {
                problem = nil
            }
            root = nil
            return problem
        case .mount, .umount:
            root = nil  // the tree under the target changes: not guessed
        default:
            break
        }
        if let root, root.utf8.count > RootView.longestPath || cwd.utf8.count > RootView.longestPath {
            self.root = nil
        }
        return nil
    }

    private enum DirectoryLookup {
        case success(String)
        case failure(Diagnostic)
    }

    private func directoryLookup(_ directory: String, _ verb: String, at location: SourceLocation,
                                 host: HostFacts) -> DirectoryLookup {
        let path = inside(directory)
        let shown = root == "/" && path == directory
            ? quoted(directory) : "\(quoted(directory)) (\(hostPath(path) ?? path) on the host)"
        let changesRoot = verb != "chdir"
        switch host.lookup(directory, in: self) {
        case .directory(let resolved):
            return .success(resolved)
        case .regularFile, .other:
            return .failure(Diagnostic("\(verb): \(shown) is not a directory", at: location))
        case .failed(let errno, let reason):
            if errno == LinuxErrno.ENOENT {
                return .failure(Diagnostic("\(verb): \(shown) does not exist", at: location,
                                           fix: changesRoot ? "make a root filesystem there first, e.g. scripts/mkrootfs busybox DIR" : nil))
            }
            if errno == LinuxErrno.ENOTDIR {
                return .failure(Diagnostic("\(verb): \(shown) is not a directory", at: location))
            }
            return .failure(Diagnostic("\(verb): \(shown): \(reason)", at: location))
        }
    }
}

extension Step {
    var isPivotRoot: Bool {
        if case .pivotRoot = self { return true }
        return false
    }
}

extension PathLookup {
    /// What execve(2) of this path would fail with (nil: it would run): only an
    /// executable regular file runs; anything else there is EACCES (execve(2)). The one
    /// rule for the checker (`commandProblem`) and for `explain` (HostView.swift).
    public var execveFailure: (errno: Int32, reason: String)? {
        switch self {
        case .regularFile(executable: true): return nil
        case .regularFile(executable: false), .directory, .other: return (LinuxErrno.EACCES, "Permission denied")
        case .failed(let errno, let reason): return (errno, reason)
        }
    }
}

/// Why `exec`'s command cannot run, found before anything starts, with the status it
/// would have (127: not found, 126: not executable, as sh(1)); nil when it can, or
/// when the planned root is not known. Like execvp(3), a name without `/` is tried in
/// each PATH directory in turn; EACCES in one and no success elsewhere is 126.
public func commandProblem(_ argv: [String], searchPath: String, view: RootView?, host: HostFacts)
    -> (status: Int32, message: String)? {
    guard let view, view.root != nil, let name = argv.first, !name.isEmpty else { return nil }
    func problem(_ path: String) -> (errno: Int32, reason: String)? { host.lookup(path, in: view).execveFailure }
    if name.utf8.contains(UInt8(ascii: "/")) {
        guard let found = problem(name) else { return nil }
        return (found.errno == LinuxErrno.ENOENT ? 127 : 126, "exec: \(name): \(found.reason)")
    }
    var denied: String?
    for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
        let dir = directory.isEmpty ? "." : String(directory)
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        guard let found = problem(path) else { return nil }
        if found.errno == LinuxErrno.EACCES { denied = found.reason }
    }
    if let denied { return (126, "exec: \(name): \(denied)") }
    return (127, "exec: \(name): not found in PATH (\(searchPath))")
}
