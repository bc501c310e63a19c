// libFuzzer entry point over the whole language front end. Compiled by scripts/fuzz
// together with Sources/CFSLanguage/*.swift as one module (so no import), never by
// SwiftPM. For every input: lex and parse, render each diagnostic, fold the commands
// into a plan (following undo and reset), then check that the plan's canonical text
// re-parses without error to an equal plan and is a fixed point. Any mismatch traps.
// (The run encoding, encodeRun/decodeRun, lives in the engine now: Sources/Sandbox/
// Protocol.swift; its round trip is tested there.)

struct FuzzHost: HostFacts {
    var isRoot: Bool
    func fileKind(atPath path: String) -> FileKind {
        switch path.utf8.count % 4 {
        case 0: return .directory
        case 1: return .missing
        case 2: return .regularFile
        default: return .directory
        }
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
    let script = parseScript(bytes, file: "fuzz", context: context)
    for d in script.diagnostics { _ = render(d, sourceLine: script.sourceLine(of: d)) }
    _ = validate(script, host: FuzzHost(isRoot: size % 2 == 0))

    var builder = PlanBuilder()
    for c in script.commands {
        switch c.kind {
        case .plan(let p): _ = builder.add(p, at: c.location, host: FuzzHost(isRoot: true))
        case .undo: _ = builder.undo()
        case .reset: builder.reset()
        case .print(let text): _ = suggestion(for: text, among: commandNames)
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
