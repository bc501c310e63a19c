/// The plan commands (README, "Plan commands"); their table entries are in CommandTable.swift.
extension Parser {
    /// The plan command named by `name`, or nil when the name is no plan command.
    mutating func planCommand() throws(Diagnostic) -> PlanCommand? {
        switch name.text {
        case "unshare": return .unshare(try namespaces())
        case "set": return try setCommand()
        case "unset":
            _ = try subcommand("unset", ["env"])
            return .step(.unsetEnv(try envName(try next("NAME"))))
        case "clear":
            _ = try subcommand("clear", ["env"])
            return .step(.clearEnv)
        case "map": return try map()
        case "mount": return .step(.mount(try mount()))
        case "umount": return .step(.umount(target: try nonEmpty("TARGET").text))
        case "chroot": return .step(.chroot(try nonEmpty("DIR").text))
        case "pivot_root": return .step(.pivotRoot(try nonEmpty("DIR").text))
        case "chdir", "cd":
            usage = "chdir"
            return .step(.chdir(try nonEmpty("DIR").text))
        case "limit": return .limit(try limit())
        case "rlimit": return .step(.rlimit(try rlimit()))
        case "cap": return try cap()
        case "no_new_privs": return .step(.noNewPrivs)
        case "net":
            _ = try subcommand("net", ["up"])
            let w = try nonEmpty("an interface name")
            // IFNAMSIZ is 16 with the NUL; netdevice(7).
            if w.text.utf8.count > 15 || w.text.contains("/") || w.text.contains(" ") || w.text == "." || w.text == ".." {
                throw Diagnostic("\(quoted(w.text)) is not a valid interface name: at most 15 bytes, no '/' or blanks",
                                 at: w.location)
            }
            return .step(.netUp(interface: w.text))
        default: return nil
        }
    }

    /// Reads the subcommand word and sets the usage line to "CMD SUB".
    private mutating func subcommand(_ command: String, _ subs: [String]) throws(Diagnostic) -> String {
        let sub = try choice("subcommand", subs)
        usage = command + " " + sub
        return sub
    }

    /// `unshare NS...`: `all` is all eight namespaces, user included.
    private mutating func namespaces() throws(Diagnostic) -> List<Namespace> {
        let words = remaining()
        guard !words.isEmpty else {
            throw Diagnostic("'unshare' needs at least one namespace", at: name.location,
                             fix: "usage: \(syntax(of: "unshare")); namespaces: uts pid mount ipc net user cgroup time, all")
        }
        var result = List<Namespace>()
        for w in words {
            if w.text == "all" {
                result += Namespace.allCases
            } else if let ns = Namespace(rawValue: w.text) {
                result.append(ns)
            } else {
                let names = Namespace.allCases.map(\.rawValue) + ["all"]
                throw Diagnostic("unknown namespace \(quoted(w.text))\(didYouMean(w.text, names))", at: w.location,
                                 fix: "namespaces: \(names.joined(separator: " "))")
            }
        }
        return result
    }

    private mutating func setCommand() throws(Diagnostic) -> PlanCommand {
        switch try subcommand("set", ["hostname", "domainname", "env", "user", "trace", "init"]) {
        case "hostname": return .step(.setHostname(try hostName("hostname")))
        case "domainname": return .step(.setDomainname(try hostName("domain name")))
        case "env":
            let w = try next("NAME=VALUE")
            guard let eq = w.text.firstIndex(of: "=") else {
                throw Diagnostic("\(quoted(w.text)) is not NAME=VALUE", at: w.location,
                                 fix: "write it as one word: set env NAME=VALUE")
            }
            let envWord = Word(String(w.text[..<eq]), at: w.location)
            return .step(.setEnv(name: try envName(envWord), value: String(w.text[w.text.index(after: eq)...])))
        case "user": return .setUser(try userIDs())
        case "trace": return .setTrace(try onOff())
        default: return .setInit(try onOff())
        }
    }

    /// sethostname(2) takes at most 64 bytes (HOST_NAME_MAX).
    private mutating func hostName(_ what: String) throws(Diagnostic) -> String {
        let w = try nonEmpty("NAME")
        if w.text.utf8.count > 64 {
            throw Diagnostic("the \(what) is \(w.text.utf8.count) bytes long: at most 64", at: w.location)
        }
        return w.text
    }

    /// Environment names as POSIX shells accept them: [A-Za-z_][A-Za-z0-9_]*.
    private func envName(_ w: Word) throws(Diagnostic) -> String {
        let u = Array(w.text.utf8)
        let ok = !u.isEmpty && u.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F }
            && !(u[0] >= 0x30 && u[0] <= 0x39)
        guard ok else {
            throw Diagnostic("\(quoted(w.text)) is not a valid variable name: letters, digits and _, not starting with a digit",
                             at: w.location)
        }
        return w.text
    }

    private mutating func userIDs() throws(Diagnostic) -> UserIDs {
        let w = try next("UID[:GID]")
        let parts = w.text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        func id(_ s: Substring, _ what: String) throws(Diagnostic) -> UInt32 {
            UInt32(try parseWhole(Word(String(s), at: w.location), what, in: 0...UInt64(UInt32.max - 1)))
        }
        let uid = try id(parts[0], "user id")
        let gid = parts.count == 2 ? try id(parts[1], "group id") : nil
        return UserIDs(uid: uid, gid: gid)
    }

    private mutating func map() throws(Diagnostic) -> PlanCommand {
        let kind = PlanCommand.IDKind(rawValue: try choice("uid or gid", ["uid", "gid"]))!
        let max = UInt64(UInt32.max)
        let inside = try parseWhole(try next("INSIDE"), "inside id", in: 0...max - 1)
        let outside = try parseWhole(try next("OUTSIDE"), "outside id", in: 0...max - 1)
        let countWord = try next("COUNT")
        let count = try parseWhole(countWord, "count", in: 1...max)
        if inside + count > max || outside + count > max {
            throw Diagnostic("the range \(inside)+\(count) goes past the largest id, \(max - 1)", at: countWord.location)
        }
        return .map(kind, IDMap(inside: UInt32(inside), outside: UInt32(outside), count: UInt32(count)))
    }

    private mutating func limit() throws(Diagnostic) -> PlanCommand.LimitSetting {
        switch try subcommand("limit", ["pids", "memory", "cpu"]) {
        case "pids": return .pids(try parseWhole(try next("N"), "number of pids", in: 1...4_194_304))
        case "memory": return .memoryBytes(try parseSize(try next("SIZE")))
        default: return .cpuMillis(try parseCPU(try next("FRACTION")))
        }
    }

    /// `rlimit NAME SOFT[:HARD]`; NAME as in prlimit(1) (`nofile`, `NOFILE`,
    /// `RLIMIT_NOFILE`); one value sets soft and hard, as prlimit does.
    private mutating func rlimit() throws(Diagnostic) -> ResourceLimit {
        let nameWord = try next("NAME")
        var n = nameWord.text.lowercased()
        if n.hasPrefix("rlimit_") { n.removeFirst(7) }
        guard let limitName = ResourceLimit.Name(rawValue: n) else {
            let names = ResourceLimit.Name.allCases.map(\.rawValue)
            throw Diagnostic("unknown resource \(quoted(nameWord.text))\(didYouMean(n, names))", at: nameWord.location,
                             fix: "resources: \(names.joined(separator: " "))")
        }
        let w = try next("SOFT[:HARD]")
        let parts = w.text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        // Limits in bytes take limit memory's k, m and g (powers of 1024): `rlimit stack 8m`.
        let inBytes = limitName.isInBytes
        func value(_ s: Substring) throws(Diagnostic) -> UInt64? {
            if s == "unlimited" { return nil }
            var digits = s
            var shift: UInt64 = 0
            if inBytes, let unit = s.last, let power = "kKmMgG".firstIndex(of: unit) {
                shift = UInt64(10 * (1 + "kKmMgG".distance(from: "kKmMgG".startIndex, to: power) / 2))
                digits = s.dropLast()
            }
            // RLIM_INFINITY is all ones; below it every value is a real limit.
            guard let v = decimal(digits), v < UInt64.max >> shift else {
                throw Diagnostic("\(quoted(s)) is not a valid limit: expected a whole number from 0 to \(UInt64.max - 1)\(inBytes ? " (bytes, or with k, m or g)" : ""), or unlimited",
                                 at: w.location)
            }
            return v << shift
        }
        let soft = try value(parts[0])
        let hard = parts.count == 2 ? try value(parts[1]) : soft
        if let hard, (soft ?? .max) > hard {
            throw Diagnostic("the soft limit is above the hard limit", at: w.location, fix: "write SOFT:HARD with SOFT ≤ HARD")
        }
        return ResourceLimit(name: limitName, soft: soft, hard: hard)
    }

    /// Capability names are case-insensitive, with or without `cap_`; stored sorted and
    /// without duplicates, so the canonical text is one spelling.
    private mutating func cap() throws(Diagnostic) -> PlanCommand {
        let verb = try subcommand("cap", ["drop", "keep"])
        let words = remaining()
        guard !words.isEmpty else {
            throw Diagnostic("'cap \(verb)' needs capability names\(verb == "drop" ? " or all" : "")",
                             at: name.location, fix: "usage: \(syntax(of: "cap"))")
        }
        var caps: Capabilities
        if words.count == 1 && words[0].text.lowercased() == "all" {
            caps = .all
        } else {
            var numbers = Set<Int>()
            for w in words {
                var n = w.text.lowercased()
                if n.hasPrefix("cap_") { n.removeFirst(4) }
                guard let number = Capability.names.firstIndex(of: n) else {
                    let hint = n == "all" ? "; 'all' must be alone" : didYouMean(n, Capability.names)
                    throw Diagnostic("unknown capability \(quoted(w.text))\(hint)", at: w.location,
                                     fix: "names as in capabilities(7), e.g. sys_admin or CAP_SYS_ADMIN")
                }
                numbers.insert(number)
            }
            caps = .some(numbers.sorted().map(Capability.init(number:)))
        }
        return .step(verb == "drop" ? .capDrop(caps) : .capKeep(caps))
    }
}
