import Testing
@testable import CFSLanguage

/// The command table is the one owner of every command's name, syntax, help, needs and
/// argument kinds: this walks it and fails if any command lacks a parser case, help,
/// an example that parses, or completion information.
@Suite struct CommandTableTests {
    /// A script that makes `id`'s example acceptable: the namespaces it needs first.
    func prelude(_ id: CommandID) -> String {
        id.needs.namespace.map { "unshare \($0.rawValue)\n" } ?? ""
    }

    @Test func everyEntryHasAParserCaseHelpAndAnExampleThatCompiles() {
        for id in CommandID.allCases {
            let entry = id.entry
            #expect(entry.id == id)
            #expect(!entry.syntax.isEmpty && !entry.summary.isEmpty, "\(id.name): help")
            #expect(entry.syntax.hasPrefix(id.name), "\(id.name): syntax starts with the name")
            #expect(entry.example.hasPrefix(id.name), "\(id.name): example starts with the name")
            // The parser dispatches it: its example parses to this very command...
            let parsed = parse(entry.example)
            #expect(parsed.diagnostics.isEmpty, "\(id.name): \(entry.example)")
            if case .plan(let command)? = parsed.commands.first?.kind {
                #expect(command.id == id, "\(id.name): the example parses to \(command.id)")
            }
            // ...and compiles (with what it needs, as root, on a host with everything).
            let host = EveryDirectoryHost()
            let text = prelude(id) + entry.example
            if id != .load {
                #expect(diagnostics(text, host: host).isEmpty, "\(id.name): \(text)")
            }
            // The name alone is never an unknown command.
            let alone = parse(id.name).diagnostics.first?.message ?? ""
            #expect(!alone.hasPrefix("unknown command"), "\(id.name): \(alone)")
        }
    }

    @Test func everyCommandWordIsInTheTableAndHasCompletion() {
        for word in commandWords {
            let entries = helpEntries(for: word)
            #expect(!entries.isEmpty, "\(word)")
            for entry in entries {
                // Completion: a command with arguments says what each is.
                let takesArguments = entry.syntax.contains(" ")
                    && !entry.syntax.hasPrefix(entry.id.name + "  ")
                    && entry.syntax != entry.id.name
                #expect(!takesArguments || !entry.arguments.isEmpty || entry.id == .clearEnv,
                        "\(entry.id.name): no argument kinds for completion")
            }
        }
        #expect(commandWords.contains("cd"))
        #expect(subcommands(of: "set") == ["hostname", "domainname", "env", "user", "trace", "init", "verify", "lint"])
    }

    @Test func needsInHelpAreTheCheckersNeeds() {
        // The help text is rendered from the same value the checker reads.
        #expect(CommandID.setHostname.entry.needs.text == "unshare uts; root, or 'unshare user' to run rootless")
        #expect(firstError("set hostname c") == "1:1: 'set hostname' needs 'unshare uts' first")
        #expect(CommandID.chdir.entry.needs.text == nil)
        #expect(CommandID.unshare.entry.needs.text == "root, unless the namespaces include user")
    }

    @Test func unknownCommandsSuggestTheNearest() {
        #expect(firstError("unshar uts") == "1:1: unknown command 'unshar'; did you mean 'unshare'?")
        #expect(suggestion(for: "pivot", among: commandWords) == "pivot_root")
    }
}
