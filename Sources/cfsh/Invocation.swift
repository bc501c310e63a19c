/// What the command line asked for. Parsed by hand: swift-argument-parser costs start-up
/// time on every call that touches it (README, "Performance"), and cfsh starts twice per sandbox.
enum Invocation: Equatable {
    /// `cfsh` with no operands: the interactive shell on a terminal, else a script on stdin.
    case standardInput(checkOnly: Bool, arguments: [String])
    case file(path: String, checkOnly: Bool, arguments: [String])
    /// `cfsh -c SCRIPT [ARGS...]`: ARGS are `$1`…; `$0` is `cfsh`.
    case inline(script: String, checkOnly: Bool, arguments: [String])
    /// `cfsh run CMD ARGS...`, the talk's verb.
    case run([String])
    case help
    case version
    /// `cfsh --lesson [N|FILE] [ARGS...]`: run lesson N (nil: list them). Lessons.swift.
    case lesson(String?, arguments: [String])

    struct UsageError: Error, Equatable { var message: String }

    /// `arguments` excludes argv[0]. Typed throws, not a `Result`: this runs on every
    /// start, and `Result<Invocation, UsageError>` is generic metadata the runtime would
    /// build on first use, with a scan of every conformance record for `UsageError: Error`.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        var checkOnly = false
        var inline: String?
        var index = 0
        options: while index < arguments.count {
            let word = arguments[index]
            switch word {
            case "-h", "--help": return .help
            case "-V", "--version": return .version
            case "--lesson":
                guard !checkOnly, inline == nil else {
                    throw UsageError(message: "--lesson runs a lesson; it takes no -n or -c (cfsh -n FILE checks one)")
                }
                let rest = arguments[(index + 1)...]
                return .lesson(rest.first, arguments: Array(rest.dropFirst()))
            case "-n": checkOnly = true
            case "-c":
                guard index + 1 < arguments.count else {
                    throw UsageError(message: "-c needs a script: cfsh -c 'unshare uts; exec hostname'")
                }
                index += 1
                inline = arguments[index]
            case "--":
                index += 1
                break options
            case "-": break options
            default:
                if word.hasPrefix("-") {
                    throw UsageError(message: "unknown option '\(word)'")
                }
                break options
            }
            index += 1
        }
        let rest = Array(arguments[index...])
        if let inline {
            return .inline(script: inline, checkOnly: checkOnly, arguments: rest)
        }
        guard let first = rest.first else {
            return .standardInput(checkOnly: checkOnly, arguments: [])
        }
        if first == "-" {
            return .standardInput(checkOnly: checkOnly, arguments: Array(rest.dropFirst()))
        }
        // `run` is the talk's verb unless options came first; a script named run is `./run`.
        if first == "run", index == 0 {
            guard rest.count > 1 else {
                throw UsageError(message: "run needs a command: cfsh run echo Hello, world")
            }
            return .run(Array(rest.dropFirst()))
        }
        return .file(path: first, checkOnly: checkOnly, arguments: Array(rest.dropFirst()))
    }

    static let usage = """
        usage: cfsh                      interactive shell (a script on stdin when not a terminal)
               cfsh FILE [ARGS...]       run a .cfs script; ARGS are $1...
               cfsh -c SCRIPT [ARGS...]  run SCRIPT; ARGS are $1...
               cfsh - [ARGS...]          read the script from standard input
               cfsh -n FILE | -n -c SCRIPT | -n -
                                         check only: parse and validate, run nothing
               cfsh run CMD [ARGS...]    the talk's verb: print Running [CMD ARGS], run CMD
               cfsh --lesson [N|FILE] [ARGS...]
                                         run lesson N (examples/stepN*.cfs) a section at a
                                         time, its comments first; on a terminal Enter runs
                                         each section; without N, list the lessons. They are
                                         found in $CFSH_LESSONS, else PREFIX/share/cfsh/examples
                                         (PREFIX/bin/cfsh, scripts/install), else the source
                                         tree's examples/ (a cfsh built in .build)
               cfsh --help | --version

        Exit status: the last exec's; 2 usage or script error (nothing ran); 125 the sandbox
        could not be set up; 126 not executable; 127 not found; 128+N killed by signal N.
        Type `help` in the shell, or see README.md, for the language.

        """
}
