// libFuzzer entry point over the whole language front end. Compiled by scripts/fuzz
// together with Sources/CFSLanguage/*.swift as one module (so no import), never by
// SwiftPM. For every input: `compile` it (the function the CLI and the shell call)
// against a fake host, render each diagnostic, fold the acceptable commands into a plan
// (following undo and reset), then check that the plan's canonical text re-parses
// without error to an equal plan and is a fixed point. Any mismatch traps. (The plan's
// encoding for the child lives in the engine: SandboxTests round-trip it.)

/// A host whose answers depend on the path's length: every kind of answer is reached.
struct FuzzHost: HostFacts {
    var isRoot: Bool
    var invokingUID: UInt32 { 1000 }
    var invokingGID: UInt32 { 1000 }
    var startingView: RootView { RootView(root: "/", cwd: "/w") }
    var maxOpenFiles: UInt64? { 1_048_576 }
    func lookup(_ path: String, in view: RootView) -> PathLookup {
        switch path.utf8.count % 5 {
        case 0, 3: return .directory(inside: view.inside(path))
        case 1: return .failed(errno: 2, reason: "No such file or directory")
        case 2: return .regularFile(executable: path.utf8.count % 2 == 0)
        default: return .other
        }
    }
    func listDirectory(_ path: String, in view: RootView) -> [DirectoryEntry]? { nil }
    func readScript(_ path: String) -> ScriptFile {
        path.utf8.count % 2 == 0 ? .read(Array("unshare uts\nload \(path)\n".utf8)) : .failed(reason: "missing")
    }
}

func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let context = ExpansionContext(
        environment: ["A": "a b", "E": "", "Q": "it's \"q\" $A \\"], arguments: ["x", "y z"],
        scriptName: "fuzz.cfs", home: "/home/u")
    // The one compile function the CLI and the shell call, rootless and as root.
    let host = FuzzHost(isRoot: size % 2 == 0)
    let compiled = compile(bytes, file: "fuzz", context: context, onto: PlanBuilder(view: host.startingView), host: host)
    for d in compiled.reported {
        _ = render(d, sourceLine: compiled.sources[d.location.file].flatMap { lines in
            lines.indices.contains(d.location.line - 1) ? lines[d.location.line - 1] : nil
        })
    }
    check(compiled.diagnostics.isEmpty || compiled.actions.isEmpty, "actions despite diagnostics")
    check(compiled.diagnostics.allSatisfy { !$0.isWarning } && compiled.warnings.allSatisfy(\.isWarning),
          "a warning among the errors, or an error among the warnings")
    check(compiled.reported.count == compiled.diagnostics.count + compiled.warnings.count, "reported lost one")

    // A plan from whatever commands are acceptable (each tried on a copy, as compile
    // does), to check the canonical text of plans of every shape.
    let script = parseScript(bytes, file: "fuzz", context: context)
    var builder = PlanBuilder()
    for c in script.commands {
        switch c.kind {
        case .plan(let p):
            var trial = builder
            if trial.add(p, at: c.location, host: FuzzHost(isRoot: true)).isEmpty { builder = trial }
        case .undo: _ = builder.undo()
        case .reset: builder.reset(host: nil)
        case .print(let text): _ = suggestion(for: text, among: commandWords)
        default: break
        }
    }

    let plan = builder.plan
    let text = plan.canonicalText
    let again = parseScript(Array(text.utf8), file: "show", context: ExpansionContext())
    check(again.diagnostics.isEmpty, "canonical text does not parse: \(again.diagnostics)\n\(text)")
    var rebuilt = PlanBuilder()
    for c in again.commands {
        guard case .plan(let p) = c.kind else { fatalError("not a plan command in canonical text:\n\(text)") }
        let problems = rebuilt.add(p, at: c.location, host: nil)
        check(problems.isEmpty, "canonical text refused: \(problems)\n\(text)")
    }
    check(rebuilt.plan == plan, "canonical text gives another plan:\n\(text)")
    check(rebuilt.plan.canonicalText == text, "canonical text is not a fixed point:\n\(text)")

    return 0
}
