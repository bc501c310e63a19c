/// Everything the lexer expands from: the environment (`$NAME`, `${NAME}`,
/// `${NAME:-default}`), the script's arguments (`$1`…`$9`, `$#`; `$0` is the script
/// name) and the home a leading `~` stands for (the CLI resolves sudo's invoking user).
public struct ExpansionContext: Sendable {
    public var environment: [String: String]
    public var arguments: [String]
    public var scriptName: String
    public var home: String?

    public init(
        environment: [String: String] = [:], arguments: [String] = [],
        scriptName: String = "cfsh", home: String? = nil
    ) {
        self.environment = environment
        self.arguments = arguments
        self.scriptName = scriptName
        self.home = home
    }
}
