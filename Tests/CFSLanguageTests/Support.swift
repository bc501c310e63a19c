@testable import CFSLanguage

func parse(_ text: String, env: [String: String] = [:], args: [String] = [], home: String? = nil) -> ParsedScript {
    parseScript(Array(text.utf8), file: "t.cfs",
                context: ExpansionContext(environment: env, arguments: args, scriptName: "t.cfs", home: home))
}

/// The words of the only command in `text`.
func words(_ text: String, env: [String: String] = [:], args: [String] = [], home: String? = nil) -> [String]? {
    var lexer = Lexer(Array(text.utf8), file: "t.cfs",
                      context: ExpansionContext(environment: env, arguments: args, scriptName: "t.cfs", home: home))
    guard let c = lexer.next(), c.error == nil, lexer.next() == nil else { return nil }
    return c.words.map(\.text)
}

/// The first error of `text` as "LINE:COL: MESSAGE".
func firstError(_ text: String, env: [String: String] = [:], host: HostFacts? = nil) -> String? {
    let script = parse(text, env: env)
    return validate(script, host: host).first.map { "\($0.location.line):\($0.location.column): \($0.message)" }
}

func kinds(_ text: String) -> [CommandKind] { parse(text).commands.map(\.kind) }

/// The plan a script builds (nil when it has any error).
func plan(_ text: String, host: HostFacts? = nil) -> Plan? {
    let script = parse(text)
    guard validate(script, host: host).isEmpty else { return nil }
    var b = PlanBuilder()
    for c in script.commands {
        if case .plan(let p) = c.kind { _ = b.add(p, at: c.location, host: host) }
    }
    return b.plan
}

struct FakeHost: HostFacts {
    var files: [String: FileKind] = [:]
    var isRoot = true
    func fileKind(atPath path: String) -> FileKind { files[path] ?? .missing }
}

extension LexedCommand: Equatable {
    public static func == (a: LexedCommand, b: LexedCommand) -> Bool { a.words == b.words && a.error == b.error }
}
