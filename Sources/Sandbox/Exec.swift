#if canImport(Glibc)
import Glibc
#endif

// The command's execve, after every step.

/// Closes every fd but 0, 1, 2 and `keep` (the error pipe, already close-on-exec), so
/// nothing of cfsh's is visible in the sandbox (close_range(2)).
/// With `also` >= 0 (the init's stop pipe, Jobs.swift), that one stays open too.
func childCloseInheritedFDs(keeping keep: Int32, also: Int32 = -1, kernel: any Kernel) throws(SandboxFailure) {
    var first: Int32 = 3
    // The kept fds in increasing order (not an array literal: issue 13, List).
    func closeBelow(_ kept: Int32) throws(SandboxFailure) {
        if kept > first {
            try kernel.attempt("close_range", String(first) + "-" + String(kept - 1)) { () throws(Errno) in
                try kernel.closeRange(UInt32(first), UInt32(kept - 1))
            }
        }
        first = kept + 1
    }
    if also >= 0 && also <= keep { try closeBelow(also) }
    try closeBelow(keep)
    if also > keep { try closeBelow(also) }
    try kernel.attempt("close_range", String(first) + "-") { () throws(Errno) in try kernel.closeRange(UInt32(first), UInt32.max) }
}

/// execve(2) of argv[0], looked up in the command's PATH when it has no `/` — after the
/// root change, so it is found inside the sandbox. Like execvp(3), each candidate is
/// tried in turn (no separate stat: fewer syscalls, and no check-then-use race).
/// Returns only if the command could not be executed (or the kernel only records): ENOENT
/// is 127, anything else 126, as sh does.
func childExecCommand(_ argv: [String], environment: CommandEnvironment,
                      kernel: any Kernel) -> SandboxFailure? {
    childExecCommand(argv, environment: environment) { (path) throws(Errno) in
        try kernel.execve(path, argv, environment)
    }
}

/// The lookup and the errno rules, with `execute(path)` standing for execve(path): it
/// returns when the command runs, or throws the errno (the init passes posix_spawn).
func childExecCommand(_ argv: [String], environment: CommandEnvironment,
                      execute: (String) throws(Errno) -> Void) -> SandboxFailure? {
    guard let name = argv.first, !name.isEmpty else {
        return execFailure("(empty)", Errno(ENOENT), reason: "no command")
    }
    if name.utf8.contains(UInt8(ascii: "/")) {
        do {
            try execute(name)
            return nil
        } catch {
            return execFailure(name, error)
        }
    }
    var denied: Errno?
    for directory in environment.searchPath.split(separator: ":", omittingEmptySubsequences: false) {
        let dir = directory.isEmpty ? "." : String(directory)
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        do {
            try execute(path)
            return nil
        } catch {
            switch error.rawValue {
            case ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT, ELOOP, ENAMETOOLONG: continue
            case EACCES: denied = error; continue
            default: return execFailure(path, error)
            }
        }
    }
    if let denied { return execFailure(name, denied) }
    return execFailure(name, Errno(ENOENT), reason: "not found in PATH (\(environment.searchPath))")
}

func execFailure(_ subject: String, _ error: Errno, reason: String? = nil) -> SandboxFailure {
    let status: Int32 = error.rawValue == ENOENT ? 127 : 126
    return SandboxFailure.setup("exec", subject, error, index: nil, status: status, reason: reason)
}
