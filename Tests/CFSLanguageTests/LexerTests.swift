import Testing
@testable import CFSLanguage

@Suite struct LexerTests {
    @Test func splitsOnBlanks() {
        #expect(words("exec  /bin/echo\ta   b") == ["exec", "/bin/echo", "a", "b"])
    }

    @Test func quotesJoinAdjacentParts() {
        #expect(words(#"print a"b"'c'"#) == ["print", "abc"])
        #expect(words(#"print '' """#) == ["print", "", ""])
        #expect(words(#"print 'a b' "c d""#) == ["print", "a b", "c d"])
    }

    @Test func singleQuotesAreLiteral() {
        #expect(words(#"print 'it\'s'"#) == nil)  // \ is literal in '': the second ' is unterminated
        #expect(words(#"print '$HOME \n'"#) == ["print", #"$HOME \n"#])
    }

    @Test func doubleQuoteEscapes() {
        #expect(words(#"print "a\"b\\c\$d\e""#) == ["print", #"a"b\c$d\e"#])
    }

    @Test func backslashOutsideQuotes() {
        #expect(words(#"print a\ b \$X \\ \'"#) == ["print", "a b", "$X", "\\", "'"])
    }

    @Test func comments() {
        #expect(words("print a # b c") == ["print", "a"])
        #expect(words("print a#b") == ["print", "a#b"])
        #expect(words("print '#' \\#") == ["print", "#", "#"])
        #expect(parse("# only a comment\n   # another\n").commands.isEmpty)
    }

    @Test func semicolonsAndNewlines() {
        #expect(kinds("show; explain\nreset;;undo;") == [.show, .explain(nil), .reset, .undo])
        #expect(kinds("print 'a;b'") == [.print("a;b")])
    }

    @Test func continuation() {
        #expect(kinds("print a \\\n  b\nshow") == [.print("a b"), .show])
        #expect(kinds("print a\\\nb") == [.print("ab")])
        #expect(kinds("print \"a\\\nb\"") == [.print("ab")])
        #expect(kinds("print a \\\r\n b") == [.print("a b")])
    }

    @Test func quotesSpanLines() {
        #expect(kinds("print 'a\nb'\nshow") == [.print("a\nb"), .show])
        let s = parse("print 'a\nb'\nshow x")
        #expect(s.diagnostics.first?.location.line == 3)
    }

    @Test func variables() {
        let env = ["A": "1", "EMPTY": "", "LONG_NAME_2": "v"]
        #expect(words("print $A ${A} x${A}y $LONG_NAME_2. \"$A\"", env: env) == ["print", "1", "1", "x1y", "v.", "1"])
        #expect(words("print ${EMPTY:-d} ${UNSET:-d e} ${A:-d}", env: env) == ["print", "d", "d e", "1"])
        #expect(words("print $ a$ $% \"$\"", env: env) == ["print", "$", "a$", "$%", "$"])
        #expect(words("print $A B", env: ["A": "x y"]) == ["print", "x y", "B"])  // never split
    }

    @Test func positional() {
        #expect(words("print $0 $1 $2 $# ${10}", args: Array("abcdefghij").map(String.init))
                == ["print", "t.cfs", "a", "b", "10", "j"])
        #expect(firstError("print $1") == "1:7: '$1' is not set: the script got 0 arguments")
    }

    @Test func unsetVariableIsAnErrorAtTheDollar() {
        #expect(firstError("show\nprint a \"b $NOPE\"") == "2:12: variable 'NOPE' is not set")
        #expect(firstError("print ${A") == "1:7: bad substitution: expected ${NAME} or ${NAME:-default}")
        #expect(firstError("print $?")?.hasPrefix("1:7: '$?' is not supported") == true)
    }

    @Test func tilde() {
        #expect(words("chroot ~/rootfs ~ a~ '~' ~x", home: "/home/u") == ["chroot", "/home/u/rootfs", "/home/u", "a~", "~", "~x"])
        #expect(firstError("chroot ~/r")?.hasPrefix("1:8: '~' needs a home directory") == true)
    }

    @Test func operatorsAreRefused() {
        #expect(firstError("exec ls | grep x")?.hasPrefix("1:9: '|' is not supported") == true)
        #expect(words("exec sh -c 'a | b > c &'") == ["exec", "sh", "-c", "a | b > c &"])
    }

    @Test func locationsAreOfTheFirstCharacter() {
        let s = parse("  show\n\tprint  'x' y")
        #expect(s.commands.map(\.location.column) == [3, 2])
        #expect(s.commands.map(\.location.line) == [1, 2])
    }

    @Test func nonASCII() {
        #expect(words("print héllo '日本' \"✓\"") == ["print", "héllo", "日本", "✓"])
    }
}
