#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The command's environment: starts as the child's (the parent's, inherited through
// the re-exec) and is changed by `set env`, `unset env` and `clear env`, in order.
// The child's own environment is never touched; only execve sees this one.
struct CommandEnvironment: Equatable {
    /// `NAME=VALUE`, in order, nil where an entry was unset; nil while it is still this
    /// process's own environ(7), which is then handed to execve as it is (the usual
    /// case: no env step).
    private var changed: [String?]?
    /// Where each name's last entry is in `changed`, and for each entry where the one
    /// before it of the same name is (-1: none; environ(7) may repeat a name). So that
    /// `set env` and `unset env` cost the same however many came before: N env steps are
    /// linear, not quadratic (issue 13, item 7). Built only once a step changes the
    /// environment, never on a start without env steps.
    private var last: [String: Int] = [:]
    private var previous: [Int] = []

    /// `NAME=VALUE`, in order.
    var entries: [String] { changed.map { $0.compactMap { $0 } } ?? environmentStrings() }

    init(_ entries: [String]) {
        changed = []
        for entry in entries { append(entry, name: Self.name(of: entry)) }
    }

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
        append(name + "=" + value, name: name)
    }

    mutating func unset(_ name: String) {
        if changed == nil { self = CommandEnvironment(environmentStrings()) }
        var at = last.removeValue(forKey: name) ?? -1
        while at >= 0 {
            changed![at] = nil
            at = previous[at]
        }
    }

    mutating func clear() {
        changed = []
        last = [:]
        previous = []
    }

    private mutating func append(_ entry: String, name: String) {
        previous.append(last[name] ?? -1)
        last[name] = changed!.count
        changed!.append(entry)
    }

    /// The name of a `NAME=VALUE` entry (all of it when it has no `=`).
    private static func name(of entry: String) -> String {
        guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { return entry }
        return String(entry[..<equals])
    }

    func value(_ name: String) -> String? {
        let prefix = name + "="
        guard let changed else { return inheritedValue(prefix) }
        return last[name].flatMap { changed[$0] }.map { String($0.dropFirst(prefix.count)) }
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
