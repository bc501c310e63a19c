/// Everything the lexer expands from: the environment (`$NAME`, `${NAME}`,
/// `${NAME:-default}`), the script's arguments (`$1`…`$9`, `$#`; `$0` is the script
/// name) and the home a leading `~` stands for (the CLI resolves sudo's invoking user).
public struct ExpansionContext: Sendable {
    public var environment: [String: String]
    public var arguments: [String]
    public var scriptName: String
    public var home: String?
    /// Where `$NAME` is looked up when set, instead of `environment`: the CLI passes
    /// getenv(3), so no dictionary of the whole environment is built at start-up.
    public var lookup: (@Sendable (String) -> String?)?

    public init(
        environment: [String: String] = [:], arguments: [String] = [],
        scriptName: String = "cfsh", home: String? = nil
    ) {
        self.environment = environment
        self.arguments = arguments
        self.scriptName = scriptName
        self.home = home
    }

    /// The value of environment variable `name`, or nil when it is unset.
    public func environmentValue(_ name: String) -> String? {
        if let lookup { return lookup(name) }
        return environment[name]
    }
}
