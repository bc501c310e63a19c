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
    /// before it of the same name is (-1: none; environ(7) may repeat a name), so that
    /// `set env` and `unset env` cost the same however many came before: N env steps are
    /// linear, not quadratic (issue 13, item 7). Made only after `scanLimit` changes: a
    /// few env steps scan instead, because the first Dictionary<String, Int> a process
    /// makes costs the Swift runtime more (about 250,000 instructions of metadata and
    /// conformance work, callgrind) than scanning a few dozen entries a few times.
    private var index: NameIndex?
    private var changes = 0
    private static let scanLimit = 16

    private struct NameIndex {
        var last: [String: Int] = [:]
        var previous: [Int] = []
    }

    /// `NAME=VALUE`, in order.
    var entries: [String] { changed.map { $0.compactMap { $0 } } ?? environmentStrings() }

    init(_ entries: [String]) {
        changed = entries.map { $0 }
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
        let entry = name + "=" + value
        if index != nil {
            index!.previous.append(index!.last[name] ?? -1)
            index!.last[name] = changed!.count
        }
        changed!.append(entry)
    }

    mutating func unset(_ name: String) {
        if changed == nil { changed = environmentStrings().map { $0 } }
        changes += 1
        if index == nil && changes > Self.scanLimit { buildIndex() }
        guard index != nil else {
            for i in changed!.indices where changed![i].map({ Self.name(of: $0) == name }) ?? false {
                changed![i] = nil
            }
            return
        }
        var at = index!.last.removeValue(forKey: name) ?? -1
        while at >= 0 {
            changed![at] = nil
            at = index!.previous[at]
        }
    }

    mutating func clear() {
        changed = []
        index = index == nil ? nil : NameIndex()
    }

    private mutating func buildIndex() {
        var built = NameIndex()
        for (i, entry) in changed!.enumerated() {
            guard let entry else {
                built.previous.append(-1)
                continue
            }
            let name = String(Self.name(of: entry))
            built.previous.append(built.last[name] ?? -1)
            built.last[name] = i
        }
        index = built
    }

    /// The name of a `NAME=VALUE` entry (all of it when it has no `=`).
    private static func name(of entry: String) -> Substring {
        guard let equals = entry.utf8.firstIndex(of: UInt8(ascii: "=")) else { return Substring(entry) }
        return entry[..<equals]
    }

    func value(_ name: String) -> String? {
        let prefix = name + "="
        guard let changed else { return inheritedValue(prefix) }
        if let index { return index.last[name].flatMap { changed[$0] }.map { String($0.dropFirst(prefix.count)) } }
        for entry in changed.reversed() {
            if let entry, entry.hasPrefix(prefix) { return String(entry.dropFirst(prefix.count)) }
        }
        return nil
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
