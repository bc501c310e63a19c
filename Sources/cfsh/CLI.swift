#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// The command line: which script, from where, and what to do with it.
enum CLI {
    static let version = "cfsh 0.1.0"

    static func main(_ arguments: [String]) -> Int32 {
        let invocation: Invocation
        do {
            invocation = try Invocation.parse(arguments)
        } catch {
            Output.err("cfsh: " + error.message + "\n" + Invocation.usage)
            return 2
        }
        switch invocation {
        case .help:
            Output.out(Invocation.usage)
            return 0
        case .version:
            Output.out(version + "\n")
            return 0
        case .run(let argv):
            return runVerb(argv)
        case .lesson(nil, _):
            return Lessons.printList()
        case .lesson(let word?, let args):
            return Lessons.run(word, arguments: args)
        case .inline(let script, let checkOnly, let args):
            return ScriptRunner.run(Array(script.utf8), file: "<command line>",
                                    context: context(scriptName: "cfsh", arguments: args),
                                    checkOnly: checkOnly)
        case .file(let path, let checkOnly, let args):
            switch Input.readFile(path) {
            case .failure(let failure):
                Output.err("cfsh: \(path): \(failure.reason)\n")
                return 2
            case .success(let bytes):
                return ScriptRunner.run(bytes, file: path,
                                        context: context(scriptName: path, arguments: args),
                                        checkOnly: checkOnly)
            }
        case .standardInput(let checkOnly, let args):
            if !checkOnly, args.isEmpty, isatty(0) == 1 {
                return Shell.run(context: context(scriptName: "cfsh", arguments: []))
            }
            switch Input.readAll(0) {
            case .failure(let failure):
                Output.err("cfsh: <stdin>: \(failure.reason)\n")
                return 2
            case .success(let bytes):
                return ScriptRunner.run(bytes, file: "<stdin>",
                                        context: context(scriptName: "cfsh", arguments: args),
                                        checkOnly: checkOnly)
            }
        }
    }

    /// `cfsh run CMD ARGS...`: the talk's `go run main.go run CMD ARGS` — prints
    /// `Running [CMD ARGS]` (Go's formatting of a []string) and runs CMD with an empty plan.
    static func runVerb(_ argv: [String]) -> Int32 {
        Output.out("Running [\(argv.joined(separator: " "))]\n")
        let file = "<command line>"
        let text = "exec " + argv.map(quoteWord).joined(separator: " ")
        return ScriptRunner.run(Array(text.utf8), file: file,
                                context: context(scriptName: "cfsh", arguments: []), checkOnly: false)
    }

    static func context(scriptName: String, arguments: [String]) -> ExpansionContext {
        var context = ExpansionContext(arguments: arguments, scriptName: scriptName,
                                       home: Host.invokingUserHome())
        context.lookup = { Host.environmentValue($0) }
        return context
    }
}
