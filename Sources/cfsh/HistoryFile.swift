#if canImport(Glibc)
import Glibc
#endif

/// ~/.cfsh_history: the interactive shell's lines across sessions, one per line, the
/// last `limit` kept, mode 0600 (it may hold paths and names the user typed). Under sudo
/// it lives in the invoking user's home and belongs to that user, as their shell's does.
struct HistoryFile {
    var path: String
    var limit = 1000

    func load() -> [String] {
        guard case .success(let bytes) = Input.readFile(path) else { return [] }
        return String(decoding: bytes, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .suffix(limit).map(String.init)
    }

    func save(_ lines: [String]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        fchmod(fd, 0o600)
        if geteuid() == 0, let uid = environmentNumber("SUDO_UID"), let gid = environmentNumber("SUDO_GID") {
            fchown(fd, uid, gid)
        }
        let text = lines.suffix(limit).filter { !$0.contains("\n") }.map { $0 + "\n" }.joined()
        Output.write(fd, text)
    }

    private func environmentNumber(_ name: String) -> UInt32? {
        guard let value = getenv(name) else { return nil }
        return UInt32(String(cString: value))
    }
}
