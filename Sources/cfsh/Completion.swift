import CFSLanguage

/// Tab completion for the interactive shell: what the word under the cursor could be,
/// read from the command table (CommandTable.swift) and the mount option table, with
/// paths looked up in the planned root as the checker sees it (the same `RootView`,
/// resolved by the same host). Earlier commands on the line count: `chroot r; cd /x;
/// exec ` completes inside `r/x`, because they are compiled onto the plan first.
struct Completer {
    let host: HostFacts
    let context: ExpansionContext

    struct Result: Equatable {
        /// The partial word being completed (the text the candidates extend).
        var partial: String
        var candidates: [String]
    }

    func complete(_ lineBeforeCursor: String, onto state: PlanBuilder) -> Result {
        // Only the command the cursor is in is completed: the text after the last `;`.
        // What comes before it is compiled onto the plan (quietly: nothing runs).
        let segments = lineBeforeCursor.split(separator: ";", omittingEmptySubsequences: false)
        let segment = segments.last.map(String.init) ?? ""
        var state = state
        if segments.count > 1 {
            let before = segments.dropLast().joined(separator: ";")
            state = compile(Array(before.utf8), file: "<completion>", context: context, onto: state, host: host,
                            lint: false).state
        }
        var words = segment.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let partial = (segment.last.map { $0 == " " || $0 == "\t" } ?? true) ? "" : (words.popLast() ?? "")
        func matching(_ options: [String]) -> Result {
            Result(partial: partial, candidates: options.filter { $0.hasPrefix(partial) }.sorted())
        }
        guard let first = words.first else { return matching(commandWords) }
        let subs = subcommands(of: first)
        if words.count == 1 && !subs.isEmpty { return matching(subs) }
        let name = first == "cd" ? "chdir" : first
        guard let id = CommandID(rawValue: words.count > 1 && !subs.isEmpty ? name + " " + words[1] : name) else {
            return Result(partial: partial, candidates: [])
        }
        let entry = id.entry
        let position = words.count - id.words.count
        var kinds = entry.arguments
        if id == .mount, words.count > 1, let type = Mount.Kind(rawValue: words[1]) {
            // mount TYPE [SOURCE] TARGET OPTIONS: the shape depends on the type.
            let takesSource = type == .bind || type == .rbind
            kinds = [.mountType] + (takesSource ? [.plannedPath] : []) + [.plannedPath, .choice(type.optionWords)]
            if position == kinds.count - 1 { return options(partial, type.optionWords) }
        }
        guard !kinds.isEmpty else { return Result(partial: partial, candidates: []) }
        let kind = position < kinds.count ? kinds[position] : (entry.repeats ? kinds[kinds.count - 1] : .text)
        switch kind {
        case .text:
            return Result(partial: partial, candidates: [])
        case .choice(let choices):
            return matching(choices)
        case .namespace:
            return matching(Namespace.allCases.map(\.rawValue) + ["all"])
        case .mountType:
            return matching(Mount.Kind.allCases.map(\.rawValue))
        case .capability:
            return matching(Capability.names + (words.count > 1 && words[1] == "drop" ? ["all"] : []))
        case .resource:
            return matching(ResourceLimit.Name.allCases.map(\.rawValue))
        case .hostPath:
            if id == .save, partial.hasPrefix("-") { return matching(["-f"]) }
            return paths(partial, in: host.startingView)
        case .plannedPath:
            return paths(partial, in: state.view)
        case .program:
            if partial.contains("/") { return paths(partial, in: state.view) }
            return matching(programs(in: state.view, searchPath: state.searchPath))
        }
    }

    /// Mount options are one comma-separated word: complete the piece after the last comma.
    func options(_ partial: String, _ words: [String]) -> Result {
        let head = partial.lastIndex(of: ",").map { String(partial[...$0]) } ?? ""
        let piece = String(partial.dropFirst(head.count))
        let candidates = words.filter { $0.hasPrefix(piece) }.map { head + $0 }.sorted()
        return Result(partial: partial, candidates: candidates)
    }

    /// Files and directories inside the view; directories end in `/` so completion can
    /// go on into them. Nothing when the planned root is not known.
    func paths(_ partial: String, in view: RootView?) -> Result {
        guard let view, view.root != nil else { return Result(partial: partial, candidates: []) }
        let slash = partial.lastIndex(of: "/")
        let directory = slash.map { String(partial[...$0]) } ?? ""
        let prefix = String(partial.dropFirst(directory.count))
        let entries = host.listDirectory(directory.isEmpty ? "." : directory, in: view) ?? []
        let candidates = entries
            .filter { $0.name.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.name.hasPrefix(".")) }
            .map { directory + $0.name + ($0.isDirectory ? "/" : "") }
            .sorted()
        return Result(partial: partial, candidates: candidates)
    }

    /// The programs `exec` could run: the files on the plan's PATH inside the planned root.
    func programs(in view: RootView?, searchPath: String) -> [String] {
        guard let view, view.root != nil else { return [] }
        var seen = Set<String>()
        for directory in searchPath.split(separator: ":") {
            for entry in host.listDirectory(String(directory), in: view) ?? []
            where !entry.isDirectory && !entry.name.hasPrefix(".") {
                seen.insert(entry.name)
            }
        }
        return Array(seen)
    }

    /// The longest prefix every candidate shares: what one Tab can insert when several match.
    static func commonPrefix(_ candidates: [String]) -> String {
        guard var prefix = candidates.first else { return "" }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
