import CFSLanguage

/// `help` and `help COMMAND`, from the language's own table of commands.
enum Help {
    static func text(for topic: String?) -> String {
        guard let topic else {
            let width = (commandHelp.map(\.syntax.count).max() ?? 0) + 2
            var text = "Commands (help COMMAND for an example):\n"
            for entry in commandHelp {
                text += "  " + entry.syntax + String(repeating: " ", count: max(1, width - entry.syntax.count))
                    + entry.summary + "\n"
            }
            return text
        }
        guard let entry = commandHelp.first(where: { $0.name == topic }) else {
            var text = "help: no command '\(topic)'"
            if let guess = suggestion(for: topic, among: commandNames) { text += "; did you mean '\(guess)'?" }
            return text + "\n"
        }
        var text = "\(entry.syntax)\n  \(entry.summary)\n  example: \(entry.example)\n"
        if let needs = entry.needs { text += "  needs: \(needs)\n" }
        return text
    }
}
