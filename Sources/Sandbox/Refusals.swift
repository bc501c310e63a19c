import CFSLanguage

// Commands of the language whose engine part is not built yet. They are refused before
// anything runs, naming the command — a sandbox silently missing a step would look
// isolated and not be. Today every command is built; the hook stays for the next one.

func refusalOfUnbuiltCommand(_ command: PlanCommand) -> String? {
    switch command {
    case .limit, .unshare, .map, .setUser, .setTrace, .setInit, .step: return nil
    }
}
