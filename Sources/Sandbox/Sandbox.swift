import CFSLanguage

public enum Sandbox {
    /// The hidden verb the parent re-executes itself with (`/proc/self/exe __cfsh_child`).
    public static let childVerb = "__cfsh_child"

    /// Entry point of the re-executed child. (Placeholder until the engine lands.)
    public static func childMain() -> Never {
        fatalError("engine not built yet")
    }
}
