import CFSLanguage
import Testing
@testable import Sandbox

/// The plan as the parent writes it to the child: encodeRun / decodeRun (Protocol.swift).
@Suite struct RunTextTests {
    /// The plan a script builds, through the language's public API.
    func plan(_ text: String) -> Plan? {
        let parsed = parseScript(Array(text.utf8), file: "t.cfs", context: ExpansionContext())
        guard parsed.diagnostics.isEmpty else { return nil }
        var builder = PlanBuilder()
        for c in parsed.commands {
            guard case .plan(let command) = c.kind else { return nil }
            if !builder.add(command, at: c.location, host: nil).isEmpty { return nil }
        }
        return builder.plan
    }

    @Test func runRoundTrip() throws {
        let p = try #require(plan("unshare uts pid mount\nset hostname c\nmount proc /proc"))
        let argv = ["/bin/sh", "-c", "echo \"$HOME\" 'q' \\ ; exit 3", "", "a b", "it's", "ünï", "line\nbreak", "\r", "#", "~"]
        let text = encodeRun(p, argv: argv)
        #expect(text.hasSuffix("\n"))
        let (decodedPlan, decoded) = try decodeRun(text)
        #expect(decodedPlan == p)
        #expect(decoded == argv)
        #expect(decodedPlan.steps.map(\.action) == p.steps.map(\.action))
    }

    @Test func decodeRunRefusesBadText() {
        #expect(throws: Diagnostic.self) { try decodeRun("unshare uts\n") }
        #expect(throws: Diagnostic.self) { try decodeRun("show\nexec /bin/true\n") }
        #expect(throws: Diagnostic.self) { try decodeRun("exec /bin/true\nexec /bin/true\n") }
        #expect(throws: Diagnostic.self) { try decodeRun("set hostname c\nexec /bin/true\n") }
        #expect(throws: Diagnostic.self) { try decodeRun("exec $X\n") }
        #expect((try? decodeRun("exec /bin/true\n"))?.argv == ["/bin/true"])
    }

    /// Moved from CFSLanguageTests' property test: for many plans and argvs with every
    /// character that needs quoting, decodeRun(encodeRun(plan, argv)) gives both back.
    @Test func runTextRoundTripsForManyPlans() throws {
        let lines = [
            "unshare uts pid mount net user ipc cgroup", "set hostname 'a b'", "set domainname d",
            "mount proc /proc nosuid,nodev", "mount tmpfs '/tmp/a b' size=1m,ro",
            "mount bind /srv /mnt ro", "mount dev /dev", "umount /mnt", "chroot ./rootfs",
            "pivot_root /new", "cd /tmp", "set env A='x \"y\" $z'", "unset env HOME", "clear env",
            "rlimit nofile 100:200", "cap drop sys_admin net_raw", "cap keep chown",
            "no_new_privs", "net up lo", "limit pids 5", "limit cpu 0.5", "set trace on",
            "set init off", "set user 1000:100", "map uid 0 1000 1",
        ]
        let words = ["a", " ", "'", "\"", "$", "${X}", "\\", "#", "~", ";", "\n", "é", "日", "=", ""]
        var state: UInt64 = 0xCF5
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var checked = 0
        for _ in 0..<500 {
            let script = (0..<next(8)).map { _ in lines[next(lines.count)] }
            guard let p = plan(script.joined(separator: "\n")) else { continue }
            let argv = ["/bin/sh"] + (0..<next(4)).map { _ in (0..<next(5)).map { _ in words[next(words.count)] }.joined() }
            let (decoded, decodedArgv) = try decodeRun(encodeRun(p, argv: argv))
            #expect(decoded == p, "\(script)")
            #expect(decodedArgv == argv)
            checked += 1
        }
        #expect(checked > 100)
    }
}
