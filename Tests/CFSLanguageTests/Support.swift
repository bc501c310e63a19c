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

/// Every diagnostic of `text`, as `cfsh -n` reports them: the one `compile`.
func diagnostics(_ text: String, env: [String: String] = [:], host: HostFacts? = nil) -> [Diagnostic] {
    Array(compiled(text, env: env, host: host).diagnostics)
}

func compiled(_ text: String, env: [String: String] = [:], host: HostFacts? = nil) -> Compilation {
    compile(Array(text.utf8), file: "t.cfs",
            context: ExpansionContext(environment: env, arguments: [], scriptName: "t.cfs", home: nil),
            onto: PlanBuilder(view: host?.startingView), host: host)
}

/// The first error of `text` as "LINE:COL: MESSAGE".
func firstError(_ text: String, env: [String: String] = [:], host: HostFacts? = nil) -> String? {
    diagnostics(text, env: env, host: host).first.map { "\($0.location.line):\($0.location.column): \($0.message)" }
}

func kinds(_ text: String) -> [CommandKind] { parse(text).commands.map(\.kind) }

/// The plan a script builds (nil when it has any error).
func plan(_ text: String, host: HostFacts? = nil) -> Plan? {
    let result = compiled(text, host: host)
    return result.diagnostics.isEmpty ? result.state.plan : nil
}

enum FileKind { case directory, regularFile, executable, other }

/// A host whose files are a dictionary of host paths; paths resolve lexically (no
/// symlinks: the real resolution is LinuxHost's, tested against real directories).
struct FakeHost: HostFacts {
    var files: [String: FileKind] = [:]
    var isRoot = true
    var invokingUID: UInt32 = 1000
    var invokingGID: UInt32 = 1000
    var scripts: [String: String] = [:]
    var maxOpenFiles: UInt64? = 1_048_576
    var startingView: RootView { RootView(root: "/", cwd: "/") }

    func lookup(_ path: String, in view: RootView) -> PathLookup {
        let inside = normalised(view.inside(path))
        guard let hostPath = view.hostPath(inside) else { return .failed(errno: 2, reason: "No such file or directory") }
        switch hostPath == "/" ? .directory : files[hostPath] {
        case .directory: return .directory(inside: inside)
        case .regularFile: return .regularFile(executable: false)
        case .executable: return .regularFile(executable: true)
        case .other: return .other
        case nil: return .failed(errno: 2, reason: "No such file or directory")
        }
    }

    /// The entries of a directory of `files`, one level down.
    func listDirectory(_ path: String, in view: RootView) -> [DirectoryEntry]? {
        let inside = normalised(view.inside(path))
        guard let hostPath = view.hostPath(inside), hostPath == "/" || files[hostPath] == .directory else { return nil }
        let prefix = hostPath == "/" ? "/" : hostPath + "/"
        return files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
            .map { DirectoryEntry(name: String($0.dropFirst(prefix.count)), isDirectory: files[$0] == .directory) }
    }

    func readScript(_ path: String) -> ScriptFile {
        scripts[path].map { .read(Array($0.utf8)) } ?? .failed(reason: "No such file or directory")
    }
}

func normalised(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
        if part == "." { continue }
        if part == ".." { _ = parts.popLast(); continue }
        parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
}

extension LexedCommand: Equatable {
    public static func == (a: LexedCommand, b: LexedCommand) -> Bool { a.words == b.words && a.error == b.error }
}
