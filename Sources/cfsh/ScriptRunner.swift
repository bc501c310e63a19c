#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// A script — a file, `-c`, or standard input — is compiled whole, then run: every
/// error is reported (up to a cap) and, if there is one, nothing runs (exit 2, or the
/// status of an `exec` whose command cannot run). A script's status is its last
/// `exec`'s.
enum ScriptRunner {
    /// What the script compiled to, its lines among it, kept until cfsh exits instead of
    /// freed when the run ends: freeing a String of 64 bytes or more (a long script line)
    /// costs a process's first such free the runtime's breadcrumbs work (Sandbox's
    /// `planTextKeptUntilExit`; issue 13), and a process runs one script.
    nonisolated(unsafe) private static var compiledKeptUntilExit: Compilation?

    /// `asLesson`: a section at a time, each after its explanation (Lessons.swift).
    static func run(_ bytes: [UInt8], file: String, context: ExpansionContext, checkOnly: Bool,
                    asLesson: Bool = false) -> Int32 {
        var session = Session(context: context)
        let compiled = session.compile(bytes, file: file)
        compiledKeptUntilExit = compiled
        session.sources = compiled.sources
        session.report(compiled)
        if !compiled.diagnostics.isEmpty {
            return compiled.status
        }
        if checkOnly { return 0 }
        session.state = compiled.state
        let flow = asLesson ? session.runLesson(Lesson(bytes), compiled: compiled, waitForEnter: isatty(0) == 1)
                            : session.run(compiled.actions)
        if case .stop(let status) = flow { return status }
        return session.lastStatus
    }
}
