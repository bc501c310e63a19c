// The command's environment: starts as the child's (the parent's, inherited through
// the re-exec) and is changed by `set env`, `unset env` and `clear env`, in order.
// The child's own environment is never touched; only execve sees this one.
struct CommandEnvironment: Equatable {
    /// `NAME=VALUE`, in order.
    private(set) var entries: [String]

    /// execvp(3)'s fallback is "/bin:/usr/bin"; a sandbox with `clear env` more likely
    /// wants what a login shell would have.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    init(_ entries: [String]) { self.entries = entries }

    mutating func set(_ name: String, _ value: String) {
        unset(name)
        entries.append("\(name)=\(value)")
    }

    mutating func unset(_ name: String) {
        let prefix = name + "="
        entries.removeAll { $0.hasPrefix(prefix) }
    }

    mutating func clear() { entries.removeAll() }

    func value(_ name: String) -> String? {
        let prefix = name + "="
        return entries.last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The PATH the command is looked up in.
    var searchPath: String { value("PATH") ?? CommandEnvironment.defaultPath }
}
