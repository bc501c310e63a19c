#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

enum Host {
    /// `$NAME`, looked up when a script uses it (getenv(3)).
    static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The home a leading `~` means: the invoking user's. Under sudo that is the user who
    /// ran sudo (SUDO_USER), not root, so `sudo cfsh` finds `~/ubuntufs` where the user
    /// made it (getpwnam(3)); otherwise $HOME, then the password database.
    static func invokingUserHome() -> String? {
        if geteuid() == 0, let user = environmentValue("SUDO_USER"), !user.isEmpty,
           let entry = getpwnam(user), let dir = entry.pointee.pw_dir {
            return String(cString: dir)
        }
        if let home = environmentValue("HOME"), !home.isEmpty { return home }
        if let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir {
            return String(cString: dir)
        }
        return nil
    }
}
