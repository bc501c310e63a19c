/// The one command table: every command's name, syntax, summary, example, what it needs
/// and what its arguments are. The parser's dispatch (Parser.swift, PlanCommandParser.swift)
/// has one case per entry; `help`, "did you mean", the checker's needs (PlanBuilder) and
/// Tab completion read it from here. A test walks it (CommandTableTests): an entry
/// without a parser case, help, an example that parses or completion fails.
///
/// Written as a switch over `CommandID` rather than a global array: an entry is built
/// only when asked for, so the re-executed child, which parses its plan, never builds
/// the table (start-up: no array metadata, no once-initialiser on that path).
public enum CommandID: String, CaseIterable, Sendable {
    case unshare
    case setHostname = "set hostname", setDomainname = "set domainname"
    case setEnv = "set env", unsetEnv = "unset env", clearEnv = "clear env"
    case setUser = "set user", setTrace = "set trace", setInit = "set init"
    case map, mount, umount, chroot
    case pivotRoot = "pivot_root"
    case chdir, limit, rlimit, cap
    case noNewPrivs = "no_new_privs"
    case netUp = "net up"
    case exec, print, show, explain, reset, undo, load, save, help, history, quit, exit
    case jobs, fg, bg
    case verify
    case setVerify = "set verify"
    case step
    case setLint = "set lint"

    /// How the command is typed: `set hostname`, `exec`.
    public var name: String { rawValue }
}

/// What a command needs before it may be added to the plan.
public struct Needs: Sendable, Equatable {
    /// A namespace that must be unshared earlier in the plan, and why.
    public var namespace: Namespace?
    public var why: String?
    public var privilege: Privilege

    public enum Privilege: Sendable, Equatable {
        /// Anyone may.
        case none
        /// Root, or a plan with `unshare user` (rootless, as `unshare -r`).
        case rootOrUserNamespace
        /// `unshare`: root, unless the list includes `user`.
        case rootUnlessUnsharingUser
        /// cfsh run as root, `unshare user` or not: what a user namespace made without
        /// root cannot do. `why` says what the kernel refuses.
        case root(why: String)
    }

    init(_ namespace: Namespace? = nil, why: String? = nil, privilege: Privilege = .none) {
        self.namespace = namespace
        self.why = why
        self.privilege = privilege
    }

    /// `help`'s "needs:" line; nil when it needs nothing.
    public var text: String? {
        var parts: [String] = []
        if let namespace { parts.append("unshare \(namespace.rawValue)") }
        switch privilege {
        case .none: break
        case .rootOrUserNamespace: parts.append("root, or 'unshare user' to run rootless")
        case .rootUnlessUnsharingUser: parts.append("root, unless the namespaces include user")
        case .root(let why): parts.append("cfsh run as root (\(why))")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

/// What a word after the command's name is, for completion.
public enum ArgumentKind: Sendable, Equatable {
    /// Free text (a name, a number): nothing to complete.
    case text
    /// One of these words.
    case choice([String])
    case namespace
    /// A path the sandbox will see: inside the planned root, from its working directory.
    case plannedPath
    /// A path on the host, from cfsh's working directory (`load`, `save`).
    case hostPath
    /// A program on the plan's PATH inside the planned root, or a planned path.
    case program
    case mountType
    case capability
    case resource
}

public struct CommandEntry: Sendable {
    public var id: CommandID
    /// One form per line in `help`, separated by " | ".
    public var syntax: String
    public var summary: String
    public var example: String
    public var needs: Needs
    /// The words after the name, in order; the last one repeats when `repeats`.
    public var arguments: [ArgumentKind]
    public var repeats: Bool
    /// Other names that mean this command (`cd` for `chdir`).
    public var aliases: [String]

    init(_ id: CommandID, _ syntax: String, _ summary: String, example: String,
         arguments: [ArgumentKind] = [], repeats: Bool = false) {
        self.id = id
        self.needs = id.needs
        self.syntax = syntax
        self.summary = summary
        self.example = example
        self.arguments = arguments
        self.repeats = repeats
        self.aliases = id.aliases
    }
}

private let hostRename = "without it, it would rename the host"
private let hostMounts = "without it, it would change the host's mounts"
private let rootless = Needs.Privilege.rootOrUserNamespace

extension CommandID {
    /// What the command needs before it may be added to the plan. Its own switch, not a
    /// field read from `entry`: the checker asks it for every command, the re-executed
    /// child included, and it must not build the whole entry for that.
    public var needs: Needs {
        switch self {
        case .unshare:
            return Needs(privilege: .rootUnlessUnsharingUser)
        case .setHostname:
            return Needs(.uts, why: hostRename, privilege: rootless)
        case .setDomainname:
            return Needs(.uts, why: "without it, it would change the host's domain name", privilege: rootless)
        case .setUser:
            return Needs(privilege: .root(why: "rootless, setgroups(2) is denied in the user namespace: user_namespaces(7)"))
        case .limit:
            return Needs(privilege: .root(why: "the cgroup is made below cfsh's own, which only root may write: cgroups(7)"))
        case .chroot, .cap:
            return Needs(privilege: rootless)
        case .map:
            return Needs(.user, why: "uid and gid maps belong to a new user namespace", privilege: rootless)
        case .mount, .umount, .pivotRoot:
            return Needs(.mount, why: hostMounts, privilege: rootless)
        case .netUp:
            return Needs(.net, why: "without it, it would change the host's network", privilege: rootless)
        case .setEnv, .unsetEnv, .clearEnv, .setTrace, .setInit, .chdir, .rlimit, .noNewPrivs,
             .exec, .print, .show, .explain, .reset, .undo, .load, .save, .help, .history, .quit, .exit:
            return Needs()
        case .jobs, .fg, .bg:
            return Needs()
        case .verify, .setVerify, .step, .setLint:
            return Needs()
        }
    }

    /// The entry, built when asked for (see the type's comment).
    public var entry: CommandEntry {
        switch self {
        case .unshare:
            return .init(self, "unshare NS...",
                         "new namespaces for the command: uts pid mount ipc net user cgroup time, or all (all eight)",
                         example: "unshare uts pid mount",
                         arguments: [.namespace], repeats: true)
        case .setHostname:
            return .init(self, "set hostname NAME", "the hostname inside (sethostname(2))",
                         example: "set hostname container", arguments: [.text])
        case .setDomainname:
            return .init(self, "set domainname NAME", "the NIS domain name inside (setdomainname(2))",
                         example: "set domainname example",
                         arguments: [.text])
        case .setEnv:
            return .init(self, "set env NAME=VALUE", "set a variable in the command's environment",
                         example: "set env PS1='container# '", arguments: [.text])
        case .unsetEnv:
            return .init(self, "unset env NAME", "remove a variable from the command's environment",
                         example: "unset env LS_COLORS", arguments: [.text])
        case .clearEnv:
            return .init(self, "clear env", "start the command with an empty environment", example: "clear env")
        case .setUser:
            return .init(self, "set user UID[:GID]", "setgroups, setresgid and setresuid just before exec",
                         example: "set user 1000:1000", arguments: [.text])
        case .setTrace:
            return .init(self, "set trace on|off", "print each step as it is applied",
                         example: "set trace on", arguments: [.choice(["on", "off"])])
        case .setInit:
            return .init(self, "set init on|off",
                         "with pid: cfsh stays PID 1 and reaps (on, the default), or the command is PID 1 (off)",
                         example: "set init off", arguments: [.choice(["on", "off"])])
        case .map:
            return .init(self, "map uid|gid INSIDE OUTSIDE COUNT",
                         "a line of the user namespace's uid_map or gid_map (default: you are 0 inside)",
                         example: "map uid 0 1000 1",
                         arguments: [.choice(["uid", "gid"]), .text, .text, .text])
        case .mount:
            return .init(self, "mount proc|sysfs|tmpfs|dev|overlay TARGET [OPTIONS] | mount bind|rbind SOURCE TARGET [OPTIONS]",
                         "mount a filesystem; OPTIONS is one comma-separated word of flags and TYPE's data options (help mount lists them)",
                         example: "mount proc /proc",
                         arguments: [.mountType])
        case .umount:
            return .init(self, "umount TARGET", "unmount TARGET (umount2(2))", example: "umount /mnt", arguments: [.plannedPath])
        case .chroot:
            return .init(self, "chroot DIR", "chroot(DIR) then chdir(\"/\"), as the talk does",
                         example: "chroot ./rootfs", arguments: [.plannedPath])
        case .pivotRoot:
            return .init(self, "pivot_root DIR",
                         "make DIR the root, escape-proof: bind it, pivot_root(2), detach the old root",
                         example: "pivot_root ./rootfs",
                         arguments: [.plannedPath])
        case .chdir:
            return .init(self, "chdir DIR  (or: cd DIR)", "change directory", example: "chdir /tmp",
                         arguments: [.plannedPath])
        case .limit:
            return .init(self, "limit pids N | limit memory SIZE | limit cpu FRACTION",
                         "a cgroup for the command, removed afterwards; SIZE in bytes or with k, m, g; FRACTION in CPUs",
                         example: "limit memory 64m",
                         arguments: [.choice(["pids", "memory", "cpu"]), .text])
        case .rlimit:
            return .init(self, "rlimit NAME SOFT[:HARD]",
                         "setrlimit(2); numbers or unlimited; one value sets both; limits in bytes take k, m, g (nofile: at most /proc/sys/fs/nr_open)",
                         example: "rlimit nofile 1024:4096", arguments: [.resource, .choice(["unlimited"])])
        case .cap:
            return .init(self, "cap drop NAME...|all | cap keep NAME...",
                         "drop capabilities, or keep only these (capabilities(7) names, with or without cap_)",
                         example: "cap drop sys_admin net_raw",
                         arguments: [.choice(["drop", "keep"]), .capability], repeats: true)
        case .noNewPrivs:
            return .init(self, "no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS): exec can never gain privileges",
                         example: "no_new_privs")
        case .netUp:
            return .init(self, "net up IFACE", "bring an interface up (the loopback)", example: "net up lo",
                         arguments: [.choice(["lo"])])
        case .exec:
            return .init(self, "exec CMD ARGS...",
                         "run CMD in a sandbox built from the plan; its status is the script's", example: "exec /bin/sh",
                         arguments: [.program, .plannedPath], repeats: true)
        case .print:
            return .init(self, "print TEXT...", "print a line", example: "print \"step 3: pid namespace\"",
                         arguments: [.text], repeats: true)
        case .show:
            return .init(self, "show", "the plan, as canonical .cfs text", example: "show")
        case .explain:
            return .init(self, "explain [CMD ARGS...]",
                         "the system calls a run of CMD would make, in order, parent and child, each step's under its line (default: the script's last exec, or a placeholder)",
                         example: "explain /bin/sh", arguments: [.program, .plannedPath], repeats: true)
        case .reset:
            return .init(self, "reset", "clear the plan", example: "reset")
        case .undo:
            return .init(self, "undo", "drop the plan's last command", example: "undo")
        case .load:
            return .init(self, "load FILE", "add a script's plan commands to the plan", example: "load examples/step6.cfs",
                         arguments: [.hostPath])
        case .save:
            return .init(self, "save [-f] FILE", "write the plan (-f: overwrite)", example: "save myplan.cfs",
                         arguments: [.hostPath])
        case .help:
            return .init(self, "help [COMMAND]", "syntax and an example for each command", example: "help mount",
                         arguments: [.choice(commandWords)])
        case .history:
            return .init(self, "history", "the lines typed so far", example: "history")
        case .quit:
            return .init(self, "quit", "leave", example: "quit")
        case .exit:
            return .init(self, "exit [N]", "leave with status N (0 to 255)", example: "exit 0", arguments: [.text])
        case .jobs:
            return .init(self, "jobs",
                         "the sandboxes stopped by Ctrl-Z or running in the background ('help jobs': how to look at one from the host)",
                         example: "jobs")
        case .fg:
            return .init(self, "fg [N]", "resume sandbox N (default: the latest) in the foreground, with the terminal",
                         example: "fg 1", arguments: [.text])
        case .bg:
            return .init(self, "bg [N]", "resume stopped sandbox N (default: the latest) in the background",
                         example: "bg 1", arguments: [.text])
        case .verify:
            return .init(self, "verify [PID]",
                         "check a running process against the plan: namespaces, root, names, maps, capabilities, rlimits, mounts, fds, cgroup, environment, one row each, ✓ or ✗ (no PID: build the plan's sandbox with 'sleep', check it, tear it down); status 0 only when all are ✓",
                         example: "verify 1234", arguments: [.text])
        case .setVerify:
            return .init(self, "set verify on|off",
                         "verify every exec's sandbox while its command runs (the table on stderr)",
                         example: "set verify on", arguments: [.choice(["on", "off"])])
        case .step:
            return .init(self, "step CMD ARGS...",
                         "run CMD as exec does, but hold the sandbox after each step: cfsh prints the step, its line and the sandbox's PID, and asks next, continue or abort (abort tears it down)",
                         example: "step /bin/sh", arguments: [.program, .plannedPath], repeats: true)
        case .setLint:
            return .init(self, "set lint on|off",
                         "warnings (on, the default): a mount covered by a later one or left outside the new root, a pid namespace without its own /proc, a chroot root can leave, a step with no effect; each once per place, before the commands run",
                         example: "set lint off", arguments: [.choice(["on", "off"])])
        }
    }

    /// Other names that mean this command. Not part of `entry`: `commandWords` reads it,
    /// and `help`'s entry reads `commandWords`.
    public var aliases: [String] { self == .chdir ? ["cd"] : [] }

    /// The words of its name: ["set", "hostname"].
    public var words: [Substring] { rawValue.split(separator: " ") }
}

/// The first words of every command, aliases included, in table order without repeats:
/// what a line may start with ("did you mean", completion).
public var commandWords: [String] {
    var result: [String] = []
    for id in CommandID.allCases {
        let first = String(id.words[0])
        if !result.contains(first) { result.append(first) }
        result += id.aliases
    }
    return result
}

/// The second words of the commands that start with `first` (`set` → hostname, ...).
public func subcommands(of first: String) -> [String] {
    CommandID.allCases.compactMap { id in
        let w = id.words
        return w.count == 2 && w[0] == first ? String(w[1]) : nil
    }
}

/// The entries `help TOPIC` shows: `set` gives every `set ...` entry, `cd` chdir's.
public func helpEntries(for topic: String) -> [CommandEntry] {
    let t = topic == "cd" ? "chdir" : topic
    return CommandID.allCases.filter { $0.rawValue == t || $0.rawValue.hasPrefix(t + " ") }.map(\.entry)
}

/// The usage line of a command for "missing argument" errors: its syntax.
func syntax(of name: String) -> String {
    CommandID(rawValue: name == "cd" ? "chdir" : name)?.entry.syntax ?? name
}
