import Testing
@testable import CFSLanguage

/// Issue 2, item 6: bad input never crashes or hangs.
@Suite struct BadInputTests {
    @Test func emptyScriptIsValid() {
        for text in ["", "\n", "   \n\t\n", "# nothing\n", ";;;", "\r\n"] {
            let s = parse(text)
            #expect(s.commands.isEmpty && s.diagnostics.isEmpty, "\(Array(text.utf8))")
        }
    }

    @Test func nulBytes() {
        let s = parseScript([UInt8](repeating: 0, count: 4096), file: "z", context: ExpansionContext())
        #expect(s.commands.isEmpty)
        #expect(s.diagnostics.map(\.message) == ["NUL byte in script"])
        #expect(firstError("show\nprint a\0b") == "2:8: NUL byte in script")
        #expect(firstError("show # \0 in a comment") == nil)
        let lines = parseScript(Array(String(repeating: "\0\n", count: 1000).utf8), file: "z", context: ExpansionContext())
        #expect(lines.diagnostics.count == maxDiagnostics + 1)
    }

    @Test func invalidUTF8() {
        let s = parseScript(Array("print ok\nprint a".utf8) + [0xFF, 0xC0, 0x80] + Array("\nshow".utf8), file: "u",
                            context: ExpansionContext())
        #expect(s.diagnostics.count == 1)
        #expect(s.diagnostics[0].location == SourceLocation(file: "u", line: 2, column: 8))
        #expect(s.diagnostics[0].message == "invalid UTF-8 (byte 0xFF): scripts are UTF-8 text")
        #expect(s.commands.map(\.kind) == [.print("ok"), .show])
        #expect(s.lines[1] == "print a\u{FFFD}\u{FFFD}\u{FFFD}")
        for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xC1, 0xBF], [0x80]] {
            let r = parseScript(Array("print ".utf8) + bad, file: "u", context: ExpansionContext())
            #expect(r.diagnostics.count == 1, "\(bad)")
        }
    }

    @Test func crlf() {
        let s = parse("unshare uts\r\nset hostname c\r\nexec /bin/sh -c 'x'\r\n")
        #expect(s.diagnostics.isEmpty)
        #expect(s.commands.map(\.kind) == [.plan(.unshare([.uts])), .plan(.step(.setHostname("c"))), .exec(["/bin/sh", "-c", "x"])])
        #expect(s.lines == ["unshare uts", "set hostname c", "exec /bin/sh -c 'x'"])
    }

    @Test func oneMegabyteLine() {
        let long = String(repeating: "x", count: 1 << 20)
        #expect(parse("print \(long)").commands.first?.kind == .print(long))
        let s = parse("print 'abc" + long)
        #expect(s.diagnostics.map(\.message) == ["unterminated single quote"])
        let bad = parse(long + " y")
        #expect(bad.diagnostics.first?.message == "unknown command '" + String(repeating: "x", count: 60) + "…'")
        #expect(render(bad.diagnostics[0], sourceLine: bad.sourceLine(of: bad.diagnostics[0])).utf8.count < 2 * long.utf8.count)
    }

    @Test func hundredThousandLines() {
        let text = String(repeating: "unshare uts pid\nset env A=b\nprint \"hello $X\"\n# comment\n", count: 25_000)
        let s = parse(text, env: ["X": "y"])
        #expect(s.diagnostics.isEmpty)
        #expect(s.commands.count == 75_000)
        #expect(s.lines.count == 100_000)
        #expect(diagnostics(text, env: ["X": "y"], host: FakeHost()).isEmpty)
    }

    /// Scripts that would be quadratic with a naive builder: undo after undo, and
    /// working directories that grow with every line.
    @Test func longScriptsStayLinear() {
        let undos = String(repeating: "unshare uts\n", count: 50_000) + String(repeating: "undo\n", count: 50_000)
        #expect(diagnostics(undos, host: FakeHost()).isEmpty)
        // A host where every directory exists: the view follows `cd a` until the path
        // passes PATH_MAX, then stops (nothing after it is checked, nothing quadratic).
        var host = EveryDirectoryHost()
        let cds = "chroot /r\n" + String(repeating: "cd a\n", count: 100_000) + "chroot x\n"
        #expect(diagnostics(cds, host: host).isEmpty)
        host.missing = "/r/a/a/a/a/a/a/a/a/a/a/x"
        #expect(firstError("chroot /r\n" + String(repeating: "cd a\n", count: 10) + "chroot x\n", host: host)
                == "12:1: chroot: 'x' (/r/a/a/a/a/a/a/a/a/a/a/x on the host) does not exist")
    }

    @Test func unterminatedAtEndOfFile() {
        #expect(firstError("show\nprint 'abc") == "2:7: unterminated single quote")
        #expect(firstError("show\nprint x\"abc\n\n") == "2:8: unterminated double quote")
        #expect(firstError("print ${A") != nil)
        #expect(firstError("print \\") == nil)
        #expect(kinds("print a\\") == [.print("a\\")])
    }

    @Test func neverTrapsOnShortRandomInput() {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array(" \t\n\r;#'\"\\$ {}:-~|abcuts0123456789".utf8) + [0, 0xC3, 0xA9, 0xFF, 0x80]
        for _ in 0..<3000 {
            let n = Int(rng.next() % 40)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let s = parseScript(bytes, file: "r", context: ExpansionContext(environment: ["a": "1"], arguments: ["x"]))
            _ = compile(bytes, file: "r", context: ExpansionContext(environment: ["a": "1"], arguments: ["x"]),
                        onto: PlanBuilder(), host: FakeHost())
            for d in s.diagnostics { _ = render(d, sourceLine: s.sourceLine(of: d)) }
        }
    }
}

/// Every path is a directory, but `missing`.
struct EveryDirectoryHost: HostFacts {
    var missing = ""
    var isRoot: Bool { true }
    var invokingUID: UInt32 { 0 }
    var invokingGID: UInt32 { 0 }
    var maxOpenFiles: UInt64? { nil }
    var startingView: RootView { RootView(root: "/", cwd: "/") }
    func lookup(_ path: String, in view: RootView) -> PathLookup {
        let inside = normalised(view.inside(path))
        if view.hostPath(inside) == missing { return .failed(errno: 2, reason: "No such file or directory") }
        if inside.hasSuffix("/bin/sh") { return .regularFile(executable: true) }
        return .directory(inside: inside)
    }
    func listDirectory(_ path: String, in view: RootView) -> [DirectoryEntry]? { nil }
    func readScript(_ path: String) -> ScriptFile { .failed(reason: "no") }
}
