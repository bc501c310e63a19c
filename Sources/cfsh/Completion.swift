import CFSLanguage

/// Tab completion for the interactive shell: what the word under the cursor could be,
/// from the command it belongs to. Pure apart from the directory listing it is given,
/// so it is unit-tested without a terminal.
struct Completer {
    /// Names in a directory (nil when it cannot be read), and whether a path is a directory.
    var listDirectory: (String) -> [String]?
    var isDirectory: (String) -> Bool

    struct Result: Equatable {
        /// The partial word being completed (the text the candidates extend).
        var partial: String
        var candidates: [String]
    }

    static let subcommands: [String: [String]] = [
        "set": ["hostname", "domainname", "env", "user", "init", "trace"],
        "unset": ["env"], "clear": ["env"],
        "limit": ["pids", "memory", "cpu"],
        "cap": ["drop", "keep"],
        "map": ["uid", "gid"],
        "net": ["up"],
    ]
    static let pathCommands: Set<String> = ["chroot", "pivot_root", "chdir", "cd", "load", "save", "umount"]
    static let mountOptions = ["ro", "rw", "nosuid", "nodev", "noexec", "relatime", "noatime",
                               "size=", "mode=", "uid=", "gid=", "nr_inodes=",
                               "lowerdir=", "upperdir=", "workdir="]
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    func complete(_ lineBeforeCursor: String, plan: Plan) -> Result {
        // Only the command the cursor is in matters: the text after the last `;`.
        let segment = lineBeforeCursor.split(separator: ";", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        var words = segment.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let partial = (segment.last.map { $0 == " " || $0 == "\t" } ?? true) ? "" : (words.popLast() ?? "")
        let index = words.count
        func matching(_ options: [String]) -> Result {
            Result(partial: partial, candidates: options.filter { $0.hasPrefix(partial) }.sorted())
        }
        guard let command = words.first else { return matching(commandNames) }
        switch (command, index) {
        case ("unshare", _):
            return matching(Namespace.allCases.map(\.rawValue) + ["all"])
        case ("set", 2) where words[1] == "init" || words[1] == "trace":
            return matching(["on", "off"])
        case (_, 1) where Completer.subcommands[command] != nil:
            return matching(Completer.subcommands[command]!)
        case ("net", 2):
            return matching(["lo"])
        case ("cap", _):
            return matching(Capability.names + (words[1] == "drop" ? ["all"] : []))
        case ("rlimit", 1):
            return matching(ResourceLimit.Name.allCases.map(\.rawValue))
        case ("rlimit", 2):
            return matching(["unlimited"])
        case ("help", 1):
            return matching(commandNames)
        case ("mount", 1):
            return matching(Mount.Kind.allCases.map(\.rawValue))
        case ("mount", _):
            let takesSource = words[1] == "bind" || words[1] == "rbind"
            let optionsIndex = takesSource ? 4 : 3
            if index >= optionsIndex { return options(partial) }
            return paths(partial)
        case ("exec", 1) where !partial.contains("/"):
            return matching(programs(plan))
        case ("save", 1) where partial.hasPrefix("-"):
            return matching(["-f"])
        default:
            if command == "exec" || Completer.pathCommands.contains(command) { return paths(partial) }
            return Result(partial: partial, candidates: [])
        }
    }

    /// Mount options are one comma-separated word: complete the piece after the last comma.
    func options(_ partial: String) -> Result {
        let head = partial.lastIndex(of: ",").map { String(partial[...$0]) } ?? ""
        let piece = String(partial.dropFirst(head.count))
        let candidates = Completer.mountOptions.filter { $0.hasPrefix(piece) }.map { head + $0 }.sorted()
        return Result(partial: partial, candidates: candidates)
    }

    /// Files and directories; directories end in `/` so completion can go on into them.
    func paths(_ partial: String) -> Result {
        let slash = partial.lastIndex(of: "/")
        let directory = slash.map { String(partial[...$0]) } ?? ""
        let prefix = String(partial.dropFirst(directory.count))
        let names = listDirectory(directory.isEmpty ? "." : directory) ?? []
        let candidates = names
            .filter { $0.hasPrefix(prefix) && $0 != "." && $0 != ".." && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }
            .map { name in directory + name + (isDirectory(directory + name) ? "/" : "") }
            .sorted()
        return Result(partial: partial, candidates: candidates)
    }

    /// The programs `exec` could run: on the plan's PATH, inside the planned root when
    /// the plan changes root (the last `chroot`/`pivot_root`, relative to the one before).
    func programs(_ plan: Plan) -> [String] {
        var root = ""
        var searchPath = Completer.defaultPath
        for step in plan.steps {
            switch step.action {
            case .chroot(let dir), .pivotRoot(let dir):
                root = dir.hasPrefix("/") ? (root.isEmpty ? dir : root + dir) : (root.isEmpty ? dir : root + "/" + dir)
            case .setEnv("PATH", let value):
                searchPath = value
            default:
                break
            }
        }
        var seen = Set<String>()
        for directory in searchPath.split(separator: ":") {
            for name in listDirectory(root + directory) ?? [] where !name.hasPrefix(".") {
                seen.insert(name)
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
