/// Help for `help` and `help COMMAND`: syntax, what it does, one example and what it
/// needs. Also the source of usage lines in "missing argument" errors.
public struct CommandHelp: Sendable {
    /// The command as typed: `unshare`, `set hostname`, `exec`.
    public var name: String
    public var syntax: String
    public var summary: String
    public var example: String
    /// What must come before it in the plan, or root (nil: nothing).
    public var needs: String?

    public init(name: String, syntax: String, summary: String, example: String, needs: String? = nil) {
        self.name = name
        self.syntax = syntax
        self.summary = summary
        self.example = example
        self.needs = needs
    }
}

private let rootOrUser = "root, or 'unshare user' to run rootless"

/// Every command of DESIGN.md's two tables, in their order.
public let commandHelp: [CommandHelp] = [
    .init(name: "unshare", syntax: "unshare NS...",
          summary: "new namespaces for the command: uts pid mount ipc net user cgroup time, or all (all eight)",
          example: "unshare uts pid mount", needs: "root, unless the namespaces include user"),
    .init(name: "set hostname", syntax: "set hostname NAME", summary: "the hostname inside (sethostname(2))",
          example: "set hostname container", needs: "unshare uts"),
    .init(name: "set domainname", syntax: "set domainname NAME", summary: "the NIS domain name inside (setdomainname(2))",
          example: "set domainname example", needs: "unshare uts"),
    .init(name: "set env", syntax: "set env NAME=VALUE", summary: "set a variable in the command's environment",
          example: "set env PS1='container# '"),
    .init(name: "unset env", syntax: "unset env NAME", summary: "remove a variable from the command's environment",
          example: "unset env LS_COLORS"),
    .init(name: "clear env", syntax: "clear env", summary: "start the command with an empty environment",
          example: "clear env"),
    .init(name: "set user", syntax: "set user UID[:GID]",
          summary: "setgroups, setresgid and setresuid just before exec", example: "set user 1000:1000",
          needs: rootOrUser),
    .init(name: "set trace", syntax: "set trace on|off", summary: "print each step as it is applied",
          example: "set trace on"),
    .init(name: "set init", syntax: "set init on|off",
          summary: "with pid: cfsh stays PID 1 and reaps (on, the default), or the command is PID 1 (off)",
          example: "set init off"),
    .init(name: "map", syntax: "map uid|gid INSIDE OUTSIDE COUNT",
          summary: "a line of the user namespace's uid_map or gid_map (default: you are 0 inside)",
          example: "map uid 0 1000 1", needs: "unshare user"),
    .init(name: "mount", syntax: "mount proc|sysfs|tmpfs|dev|overlay TARGET [OPTIONS] | mount bind|rbind SOURCE TARGET [OPTIONS]",
          summary: "mount a filesystem; OPTIONS is one comma-separated word: ro rw nosuid nodev noexec relatime noatime, size= mode= uid= gid= nr_inodes= (tmpfs, dev), lowerdir= upperdir= workdir= (overlay)",
          example: "mount proc /proc", needs: "unshare mount"),
    .init(name: "umount", syntax: "umount TARGET", summary: "unmount TARGET (umount2(2))",
          example: "umount /mnt", needs: "unshare mount"),
    .init(name: "chroot", syntax: "chroot DIR", summary: "chroot(DIR) then chdir(\"/\"), as the seed does",
          example: "chroot ./rootfs", needs: rootOrUser),
    .init(name: "pivot_root", syntax: "pivot_root DIR",
          summary: "make DIR the root, escape-proof: bind it, pivot_root(2), detach the old root",
          example: "pivot_root ./rootfs", needs: "unshare mount"),
    .init(name: "chdir", syntax: "chdir DIR  (or: cd DIR)", summary: "change directory", example: "chdir /tmp"),
    .init(name: "limit", syntax: "limit pids N | limit memory SIZE | limit cpu FRACTION",
          summary: "a cgroup for the command, removed afterwards; SIZE in bytes or with k, m, g; FRACTION in CPUs",
          example: "limit memory 64m", needs: rootOrUser),
    .init(name: "rlimit", syntax: "rlimit NAME SOFT[:HARD]",
          summary: "setrlimit(2); numbers or unlimited; one value sets both", example: "rlimit nofile 1024:4096"),
    .init(name: "cap", syntax: "cap drop NAME...|all | cap keep NAME...",
          summary: "drop capabilities, or keep only these (capabilities(7) names, with or without cap_)",
          example: "cap drop sys_admin net_raw", needs: rootOrUser),
    .init(name: "no_new_privs", syntax: "no_new_privs",
          summary: "prctl(PR_SET_NO_NEW_PRIVS): exec can never gain privileges", example: "no_new_privs"),
    .init(name: "net", syntax: "net up IFACE", summary: "bring an interface up (the loopback)",
          example: "net up lo", needs: "unshare net"),
    .init(name: "exec", syntax: "exec CMD ARGS...",
          summary: "run CMD in a sandbox built from the plan; its status is the script's", example: "exec /bin/sh"),
    .init(name: "print", syntax: "print TEXT...", summary: "print a line", example: "print \"step 3: pid namespace\""),
    .init(name: "show", syntax: "show", summary: "the plan, as canonical .cfs text", example: "show"),
    .init(name: "explain", syntax: "explain", summary: "the syscalls the plan makes, in order", example: "explain"),
    .init(name: "reset", syntax: "reset", summary: "clear the plan", example: "reset"),
    .init(name: "undo", syntax: "undo", summary: "drop the plan's last command", example: "undo"),
    .init(name: "load", syntax: "load FILE", summary: "run a script into the plan", example: "load examples/step6.cfs"),
    .init(name: "save", syntax: "save [-f] FILE", summary: "write the plan (-f: overwrite)", example: "save myplan.cfs"),
    .init(name: "help", syntax: "help [COMMAND]", summary: "syntax and an example for each command", example: "help mount"),
    .init(name: "history", syntax: "history", summary: "the lines typed so far", example: "history"),
    .init(name: "quit", syntax: "quit", summary: "leave", example: "quit"),
    .init(name: "exit", syntax: "exit [N]", summary: "leave with status N (0 to 255)", example: "exit 0"),
]

/// The first words of every command (for "did you mean" and Tab completion), `cd` included.
public let commandNames: [String] = [
    "unshare", "set", "unset", "clear", "map", "mount", "umount", "chroot", "pivot_root",
    "chdir", "cd", "limit", "rlimit", "cap", "no_new_privs", "net", "exec", "print",
    "show", "explain", "reset", "undo", "load", "save", "help", "history", "quit", "exit",
]

/// The help entries for a topic: `set` gives every `set ...` entry, `cd` gives chdir's.
public func help(for topic: String) -> [CommandHelp] {
    let t = topic == "cd" ? "chdir" : topic
    return commandHelp.filter { $0.name == t || $0.name.hasPrefix(t + " ") }
}

func syntax(of name: String) -> String {
    commandHelp.first { $0.name == name }?.syntax ?? name
}
