/// The plan's one serialization (README, "How it works"): what `show` prints, `save` writes and the
/// parent hands the child. Properties first — `unshare` (namespaces in
/// `Namespace.allCases` order), `map` (uid, then gid), `limit` (pids, memory, cpu),
/// then `set trace on`, `set init off`, `set user` when not the default — then the
/// steps in order, one command per line. Deterministic, and it re-parses to an equal
/// plan.
extension Plan {
    public var canonicalText: String { joinedLines(canonicalLines) }

    /// The lines of `canonicalText`, without their line ends.
    public var canonicalLines: [String] {
        var lines: [String] = []
        if !namespaces.isEmpty {
            lines.append("unshare " + namespaces.names)
        }
        for m in uidMaps { lines.append("map uid \(m.inside) \(m.outside) \(m.count)") }
        for m in gidMaps { lines.append("map gid \(m.inside) \(m.outside) \(m.count)") }
        if let n = limits.pids { lines.append("limit pids \(n)") }
        if let n = limits.memoryBytes { lines.append("limit memory \(sizeText(n))") }
        if let n = limits.cpuMillis { lines.append("limit cpu \(cpuText(n))") }
        if trace { lines.append("set trace on") }
        if !initProcess { lines.append("set init off") }
        if let u = user { lines.append("set user \(u.uid)" + (u.gid.map { ":\($0)" } ?? "")) }
        for step in steps { lines.append(step.action.canonicalText) }
        return lines
    }
}

extension Step {
    /// The step as one line of canonical text, without the line end.
    public var canonicalText: String {
        switch self {
        case .setHostname(let name): return "set hostname " + quoteWord(name)
        case .setDomainname(let name): return "set domainname " + quoteWord(name)
        case .setEnv(let name, let value): return "set env " + quoteWord(name + "=" + value)
        case .unsetEnv(let name): return "unset env " + quoteWord(name)
        case .clearEnv: return "clear env"
        case .mount(let m):
            var words = ["mount", m.kind.rawValue]
            if let source = m.source { words.append(quoteWord(source)) }
            words.append(quoteWord(m.target))
            if !m.options.isEmpty { words.append(quoteWord(concatenated(m.options, separator: ","))) }
            return concatenated(words, separator: " ")
        case .umount(let target): return "umount " + quoteWord(target)
        case .chroot(let dir): return "chroot " + quoteWord(dir)
        case .pivotRoot(let dir): return "pivot_root " + quoteWord(dir)
        case .chdir(let dir): return "chdir " + quoteWord(dir)
        case .rlimit(let r):
            func text(_ v: UInt64?) -> String {
                guard let v else { return "unlimited" }
                return r.name.isInBytes ? sizeText(v) : String(v)
            }
            let value = r.soft == r.hard ? text(r.soft) : text(r.soft) + ":" + text(r.hard)
            return "rlimit \(r.name.rawValue) \(value)"
        case .capDrop(let caps): return "cap drop " + caps.canonicalText
        case .capKeep(let caps): return "cap keep " + caps.canonicalText
        case .noNewPrivs: return "no_new_privs"
        case .netUp(let interface): return "net up " + quoteWord(interface)
        }
    }
}

extension Capabilities {
    var canonicalText: String {
        switch self {
        case .all: return "all"
        case .some(let caps): return concatenated(caps.map(\.name), separator: " ")
        }
    }
}

/// `parts.joined(separator:)` as a plain loop. The parent writes the plan's text and the
/// child reads it back on every start, and the standard library's `joined` is not
/// specialised for [String]: it asks the runtime for the array's Collection conformance,
/// whose first lookup scans every conformance record of the static binary (issue 13:
/// 95k of the parent's 480k instructions before clone3).
public func concatenated(_ parts: [String], separator: String) -> String {
    concatenated(parts, separator: separator, eachFollowedBy: "")
}

/// Each line followed by a line end: the plan's text.
public func joinedLines(_ lines: [String]) -> String {
    concatenated(lines, separator: "", eachFollowedBy: "\n")
}

/// The one loop of both, in one String allocated once at its final size. Why (issue
/// 13): a String that grows past its room moves to a bigger allocation and frees the old
/// one, and the first String of 64 bytes or more a process frees makes the standard
/// library destroy its breadcrumbs through the runtime, which demangles and builds
/// `_StringBreadcrumbs?` (about 35,000 instructions). The parent builds the plan text
/// on every start; built at its final size, nothing long is freed.
private func concatenated(_ parts: [String], separator: String, eachFollowedBy terminator: String) -> String {
    var size = 0
    for part in parts { size += part.utf8.count + separator.utf8.count + terminator.utf8.count }
    var text = ""
    text.reserveCapacity(size)
    for (i, part) in parts.enumerated() {
        if i > 0 { text += separator }
        text += part
        text += terminator
    }
    return text
}

/// Quote one word so the lexer reads it back unchanged, with no expansion: as is when
/// it is made only of characters that mean nothing to the lexer, else in single quotes,
/// a `'` inside written as `'"'"'`. A word cannot hold a NUL byte (neither can argv).
public func quoteWord(_ word: String) -> String {
    if !word.isEmpty && word.utf8.allSatisfy(isPlainByte) { return word }
    var out = "'"
    for c in word.unicodeScalars {
        if c == "'" { out += "'\"'\"'" } else { out.unicodeScalars.append(c) }
    }
    return out + "'"
}

/// Letters, digits and `_ - . / : = , + @ %`.
private func isPlainByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
         UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    default:
        return "_-./:=,+@%".utf8.contains(b)
    }
}
