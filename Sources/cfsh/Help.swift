import CFSLanguage

extension String {
    /// Splits on a separator string (no Foundation on cfsh's start path).
    func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

/// `help` and `help COMMAND`, rendered from the command table (CommandTable.swift) and,
/// for `mount`, the mount option table (MountOptions.swift).
enum Help {
    static func text(for topic: String?) -> String {
        guard let topic else {
            // Two columns, the syntax (one form per line) and what it does.
            let width = 34
            var text = "Commands (help COMMAND for the syntax, an example and what it needs):\n"
            for id in CommandID.allCases {
                let entry = id.entry
                let forms = entry.syntax.components(separatedBy: " | ")
                for (index, form) in forms.enumerated() {
                    text += "  " + form
                    if index == 0 {
                        text += form.count < width ? String(repeating: " ", count: width - form.count)
                            : "\n  " + String(repeating: " ", count: width)
                        text += entry.summary
                    }
                    text += "\n"
                }
            }
            return text + lessonsNote
        }
        let entries = helpEntries(for: topic)
        guard !entries.isEmpty else {
            var text = "help: no command '\(topic)'"
            if let guess = suggestion(for: topic, among: commandWords) { text += "; did you mean '\(guess)'?" }
            return text + "\n"
        }
        // `help set` shows every `set ...` entry.
        return entries.map { entry in
            var text = "\(entry.syntax)\n  \(entry.summary)\n  example: \(entry.example)\n"
            if let needs = entry.needs.text { text += "  needs: \(needs)\n" }
            if entry.id == .mount { text += mountOptions }
            if entry.id == .jobs { text += jobsNote }
            return text
        }.joined(separator: "\n")
    }

    /// The lessons are run from the command line (Lessons.swift), one section at a time.
    static let lessonsNote = """
        Lessons: `cfsh --lesson` lists the teaching scripts (examples/stepN*.cfs), `cfsh --lesson N
        [ROOTFS]` runs one, each section after its explanation, on a terminal after Enter (here,
        `load FILE` takes a lesson's plan). They are found in $CFSH_LESSONS, else
        PREFIX/share/cfsh/examples (scripts/install), else the source tree's examples/.

        """

    /// A stopped sandbox keeps its namespaces: the moment to look at them from the host.
    static let jobsNote = """
      Ctrl-Z during exec stops the whole sandbox and gives the prompt back. A stopped
      sandbox is a chance to look at it from the host, with the PID 'jobs' shows (root):
        ls -l /proc/PID/ns          its namespaces, to compare with /proc/self/ns
        nsenter -t PID -a sh        a shell in all of them (nsenter(1))
        grep -E 'State|Cap' /proc/PID/status
      fg resumes it with the terminal, bg lets it run on; quit twice ends them all.

    """

    /// The options each mount type takes, from the one table the checker uses.
    static var mountOptions: String {
        var text = "  flags (every type): " + MountFlag.allCases.map(\.rawValue).joined(separator: " ") + "\n"
        for kind in Mount.Kind.allCases where !kind.dataKeys.isEmpty {
            text += "  \(kind.rawValue) data: " + kind.dataKeys.map(\.rawValue).joined(separator: "= ") + "=\n"
            for key in kind.dataKeys where kind != .dev {
                text += "    " + key.form + "\n"
            }
        }
        text += "  overlay: upperdir= and workdir= together, or at least two lowerdir layers (read-only)\n"
        return text
    }
}
