import CFSLanguage

// Commands of the language whose engine part is not built yet. They are refused before
// anything runs, naming the command — a sandbox silently missing a step would look
// isolated and not be.

func refusalOfUnbuiltCommand(_ command: PlanCommand) -> String? {
    switch command {
    case .limit: return "limit is not supported by this version of cfsh yet"
    case .unshare, .map, .setUser, .setTrace, .setInit, .step: return nil
    }
}
