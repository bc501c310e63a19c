import Testing
@testable import CFSLanguage

@Suite struct CanonicalTextTests {
    @Test func propertiesFirstThenStepsInOrder() throws {
        let p = try #require(plan("""
            set env A='x y'
            unshare pid uts
            set trace on
            unshare mount user
            map uid 0 1000 1
            set hostname it\\'s
            limit memory 1073741824
            limit cpu 1.500
            cd /tmp
            mount tmpfs /t size=1m,ro
            cap keep sys_admin CHOWN setgid
            rlimit nofile 5:unlimited
            set init off
            set user 0:0
            """))
        #expect(p.canonicalText == """
            unshare uts pid mount user
            map uid 0 1000 1
            limit memory 1g
            limit cpu 1.5
            set trace on
            set init off
            set user 0:0
            set env 'A=x y'
            set hostname 'it'"'"'s'
            chdir /tmp
            mount tmpfs /t size=1m,ro
            cap keep chown setgid sys_admin
            rlimit nofile 5:unlimited

            """)
        #expect(plan(p.canonicalText) == p)
        #expect(Plan().canonicalText == "")
    }

    @Test func quoteWordReadsBack() {
        #expect(quoteWord("/bin/sh") == "/bin/sh")
        #expect(quoteWord("") == "''")
        #expect(quoteWord("a b") == "'a b'")
        #expect(quoteWord("it's") == #"'it'"'"'s'"#)
        #expect(quoteWord("~") == "'~'")
        #expect(quoteWord("#x") == "'#x'")
        for w in ["$HOME", "a\\b", "\"", "'", "''", "\n", "a\nb\r\n", "é", "x;y", "\t", "${A:-b}", "|&<>", "\\", "\\\n", "#", "~/x", "-f"] {
            #expect(words("print " + quoteWord(w)) == ["print", w], "\(w)")
        }
    }

    @Test func showTwiceIsTheSame() throws {
        let p = try #require(plan("unshare uts pid; set hostname c"))
        let once = p.canonicalText
        let twice = try #require(plan(once)).canonicalText
        #expect(once == twice)
    }
}

@Suite struct RenderTests {
    @Test func clangStyle() {
        let script = parse("unshare uts\nset hostnme c\n")
        let d = script.diagnostics[0]
        #expect(render(d, sourceLine: script.sourceLine(of: d)) == """
            t.cfs:2:5: error: unknown subcommand 'hostnme' for 'set'; did you mean 'hostname'?
            set hostnme c
                ^
            t.cfs:2:5: note: expected one of: hostname, domainname, env, user, trace, init

            """)
        #expect(render(d, sourceLine: nil).split(separator: "\n").count == 2)
    }

    @Test func caretKeepsTabsAndCountsCharacters() {
        let d = Diagnostic("x", at: SourceLocation(file: "f", line: 1, column: 5))
        #expect(render(d, sourceLine: "\té x") == "f:1:5: error: x\n\té x\n\t  ^\n")
    }

    @Test func longLinesAreWindowed() {
        let line = String(repeating: "a", count: 1_000_000) + " b"
        let d = Diagnostic("x", at: SourceLocation(file: "f", line: 1, column: 1_000_002))
        let out = render(d, sourceLine: line)
        #expect(out.utf8.count < 400)
        let lines = out.split(separator: "\n")
        #expect(lines[1].hasSuffix(" b"))
        #expect(lines[2].count == lines[1].count)  // the caret under the last character
    }
}
