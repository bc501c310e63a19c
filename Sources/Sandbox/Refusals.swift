import CFSLanguage

// Commands of the language whose engine part is not built yet. They are refused before
// anything runs, naming the command — a sandbox silently missing a step would look
// isolated and not be.

func refusalOfUnbuiltCommand(_ command: PlanCommand) -> String? {
    let name: String
    switch command {
    case .unshare, .map: return nil
    case .limit: name = "limit"
    case .setUser, .setTrace, .setInit: return nil
    case .step(let step):
        switch step {
        case .mount(let mount) where mount.kind == .overlay || mount.kind == .dev:
            name = "mount \(mount.kind.rawValue)"
        default:
            return nil
        }
    }
    return "\(name) is not supported by this version of cfsh yet"
}
