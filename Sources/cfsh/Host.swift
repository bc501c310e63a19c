#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

enum Host {
    /// `$NAME`, looked up when a script uses it (getenv(3)).
    static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The home a leading `~` means: the invoking user's. Under sudo that is the user who
    /// ran sudo (SUDO_USER), not root, so `sudo cfsh` finds `~/ubuntufs` where the user
    /// made it; otherwise $HOME, then the password file.
    static func invokingUserHome() -> String? {
        if geteuid() == 0, let user = environmentValue("SUDO_USER"), !user.isEmpty,
           let home = PasswordFile.home(where: { $0.name == user }) {
            return home
        }
        if let home = environmentValue("HOME"), !home.isEmpty { return home }
        let uid = String(getuid())
        return PasswordFile.home(where: { $0.uid == uid })
    }
}

/// /etc/passwd read directly (passwd(5)), not through getpwnam(3): in a static binary
/// glibc's NSS would dlopen the shared libnss_* of the glibc cfsh was linked with, which
/// another machine may not have — the lookup would then fail silently. Local users are
/// what `sudo` and `~` need; users only in LDAP and the like are not seen (say $HOME).
enum PasswordFile {
    struct Entry {
        var name: Substring
        var uid: Substring
        var home: Substring
    }

    static func home(where matches: (Entry) -> Bool, path: String = "/etc/passwd") -> String? {
        guard case .read(let bytes) = LinuxHost.readFile(path) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // name:password:UID:GID:GECOS:directory:shell
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 7 else { continue }
            let entry = Entry(name: fields[0], uid: fields[2], home: fields[5])
            if matches(entry), !entry.home.isEmpty { return String(entry.home) }
        }
        return nil
    }
}
