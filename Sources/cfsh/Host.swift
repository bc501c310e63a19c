#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// The real answers to the validator's questions about the host (stat(2), geteuid(2)).
struct LinuxHostFacts: HostFacts {
    let isRoot = geteuid() == 0

    func fileKind(atPath path: String) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regularFile
        default: return .other
        }
    }
}

enum Host {
    /// The process environment, for `$NAME`.
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                result[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }

    /// The home a leading `~` means: the invoking user's. Under sudo that is the user who
    /// ran sudo (SUDO_USER), not root, so `sudo cfsh` finds `~/ubuntufs` where the user
    /// made it (getpwnam(3)); otherwise $HOME, then the password database.
    static func invokingUserHome(_ environment: [String: String]) -> String? {
        if geteuid() == 0, let user = environment["SUDO_USER"], !user.isEmpty,
           let entry = getpwnam(user), let dir = entry.pointee.pw_dir {
            return String(cString: dir)
        }
        if let home = environment["HOME"], !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
            return String(cString: dir)
        }
        return nil
    }
}
