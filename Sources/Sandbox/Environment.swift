#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The command's environment: starts as the child's (the parent's, inherited through
// the re-exec) and is changed by `set env`, `unset env` and `clear env`, in order.
// The child's own environment is never touched; only execve sees this one.
struct CommandEnvironment: Equatable {
    /// `NAME=VALUE`, in order; nil while it is still this process's own environ(7),
    /// which is then handed to execve as it is (the usual case: no env step).
    private var changed: [String]?

    /// `NAME=VALUE`, in order.
    var entries: [String] { changed ?? environmentStrings() }

    init(_ entries: [String]) { changed = entries }

    /// This process's environment, not copied until a step changes it.
    static var inherited: CommandEnvironment { CommandEnvironment() }
    private init() { changed = nil }

    /// True while it is this process's environ, unchanged.
    var isInherited: Bool { changed == nil }

    static func == (a: CommandEnvironment, b: CommandEnvironment) -> Bool {
        a.entries == b.entries
    }

    mutating func set(_ name: String, _ value: String) {
        unset(name)
        changed!.append("\(name)=\(value)")
    }

    mutating func unset(_ name: String) {
        let prefix = name + "="
        var entries = self.entries
        entries.removeAll { $0.hasPrefix(prefix) }
        changed = entries
    }

    mutating func clear() { changed = [] }

    func value(_ name: String) -> String? {
        let prefix = name + "="
        guard let changed else { return inheritedValue(prefix) }
        return changed.last { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    /// The last `prefix` entry of environ(7), as `entries` would find it, without copying
    /// the rest.
    private func inheritedValue(_ prefix: String) -> String? {
        var found: String?
        var p = environ
        while let entry = p.pointee {
            if strncmp(entry, prefix, prefix.utf8.count) == 0 {
                found = String(cString: entry + prefix.utf8.count)
            }
            p += 1
        }
        return found
    }

    /// The PATH the command is looked up in.
    /// The one default PATH is the language's (PlanBuilder.swift).
    var searchPath: String { value("PATH") ?? defaultSearchPath }
}
