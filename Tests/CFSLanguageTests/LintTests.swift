import Testing
@testable import CFSLanguage

/// Lint (Lint.swift): when each warning fires and when it does not, where it points,
/// that it never stops a run, and `set lint on|off`. What each claims of the kernel is
/// proven against a real sandbox in LintClaimTests.
@Suite struct LintTests {
    /// A rootfs at /r with an empty /r/proc, /r/mnt and /r/tmp; /srv/a, /mnt/a.
    static let host = FakeHost(files: [
        "/r": .directory, "/r/proc": .directory, "/r/mnt": .directory, "/r/tmp": .directory,
        "/r/bin": .directory, "/r/bin/sh": .executable, "/r/bin/ps": .executable,
        "/srv": .directory, "/srv/a": .directory, "/mnt": .directory, "/mnt/a": .directory,
        "/proc": .directory, "/tmp": .directory, "/bin": .directory, "/bin/sh": .executable,
        "/bin/ps": .executable, "/bin/true": .executable, "/bin/sleep": .executable,
        "/r/bin/sleep": .executable,
    ])

    /// The warnings of `text` (lines joined with newlines) as "LINE:COL: MESSAGE".
    func warnings(_ lines: [String], env: [String: String] = [:], lint: Bool = true) -> [String] {
        let result = compiledWithLint(lines.joined(separator: "\n"), env: env, lint: lint)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.warnings.allSatisfy { $0.isWarning && $0.fix != nil })
        return result.warnings.map { "\($0.location.line):\($0.location.column): \($0.message)" }
    }

    func compiledWithLint(_ text: String, env: [String: String] = [:], lint: Bool = true) -> Compilation {
        compile(Array(text.utf8), file: "t.cfs",
                context: ExpansionContext(environment: env, arguments: [], scriptName: "t.cfs", home: nil),
                onto: PlanBuilder(view: Self.host.startingView), host: Self.host, lint: lint)
    }

    // MARK: 1. a mount covered by a later one

    @Test func aMountCoveredOnTheSameTargetOrAParentIsWarnedAtTheCoveredMount() {
        #expect(warnings(["unshare mount", "mount tmpfs /mnt", "mount tmpfs /mnt"]) == [
            "2:1: this mount is covered by the mount at line 3 on the same target: while that one is mounted, no path in the sandbox leads to this one (mount(8): a mount hides what was at its target)",
        ])
        #expect(warnings(["unshare mount", "mount tmpfs /mnt/a size=1m", "cd /", "mount tmpfs mnt"]) == [
            "2:1: this mount is covered by the mount at line 4 on /mnt, a parent of its target: while that one is mounted, no path in the sandbox leads to this one (mount(8): a mount hides what was at its target)",
        ])
        // On one line (a `-c` script) the other command is named by its column.
        #expect(warnings(["unshare mount; mount tmpfs /mnt; mount tmpfs /mnt"]).first?
            .hasPrefix("1:16: this mount is covered by the mount at column 34 on the same target") == true)
        // Paths compare on the host: after `chroot /r`, /mnt is /r/mnt.
        #expect(warnings(["unshare mount", "mount tmpfs /r/mnt", "chroot /r", "mount tmpfs /mnt"]).first?
            .hasPrefix("2:1: this mount is covered by the mount at line 4 on the same target") == true)
    }

    @Test func aMountIsNotWarnedWhenTheLaterOneIsBelowItShowsItOrIsUnmounted() {
        let mount = ["unshare mount", "mount tmpfs /mnt/a"]
        #expect(warnings(mount + ["mount tmpfs /mnt/a/b"]) == [])
        #expect(warnings(mount + ["mount tmpfs /srv"]) == [])
        // A bind of a path in it shows it; a recursive bind from above carries it along.
        #expect(warnings(mount + ["mount bind /mnt/a /mnt/a"]) == [])
        #expect(warnings(mount + ["mount rbind /mnt /mnt"]) == [])
        #expect(warnings(mount + ["mount overlay /mnt lowerdir=/mnt/a:/srv"]) == [])
        // …a plain bind from above does not.
        #expect(warnings(mount + ["mount bind /srv /mnt"]).count == 1)
        // Unmounting the covering mount shows the covered one again: not guessed at.
        #expect(warnings(mount + ["mount tmpfs /mnt", "umount /mnt"]) == [])
    }

    // MARK: 2. a mount outside the new root

    @Test func aMountLeftOutsideTheNewRootIsWarnedAtTheMount() {
        #expect(warnings(["unshare mount", "mount tmpfs /tmp", "chroot /r"]) == [
            "2:1: this mount is outside the new root of 'chroot' at line 3 (/r): after chroot(2) paths start at the new root, and no path in the sandbox leads to it",
        ])
        #expect(warnings(["unshare mount", "mount tmpfs /tmp", "pivot_root /r"]) == [
            "2:1: this mount is outside the new root of 'pivot_root' at line 3 (/r): it is detached with the old root and is gone from the sandbox's mounts",
        ])
    }

    @Test func aMountInsideOrAboveTheNewRootIsNotWarned() {
        #expect(warnings(["unshare mount", "mount tmpfs /r/tmp", "pivot_root /r"]) == [])
        #expect(warnings(["unshare mount", "chroot /r", "mount tmpfs /tmp"]) == [])
        #expect(warnings(["unshare mount", "mount bind /r /r", "pivot_root /r"]) == [])
        #expect(warnings(["unshare mount", "cd /r", "mount tmpfs tmp", "pivot_root ."]) == [])
    }

    // MARK: 3. a PID namespace without its own /proc

    @Test func unsharePidWithoutAProcIsWarnedAtTheExecWithWhatPsWillShow() {
        #expect(warnings(["unshare uts pid", "exec ps"]) == [
            "2:1: 'unshare pid' without a /proc of its own: /proc is still the host's, so ps and /proc show the host's processes, with the host's PIDs",
        ])
        let result = compiledWithLint("unshare pid\nexec ps")
        #expect(result.warnings.first?.fix == "add 'unshare mount', then 'mount proc /proc': a proc shows the PID namespace of the process that mounts it")
        // After a root change, /proc is the new root's directory: here an empty one.
        #expect(warnings(["unshare pid mount", "pivot_root /r", "exec ps"]) == [
            "3:1: 'unshare pid' without a /proc of its own: /proc in the new root (/r/proc) is an empty directory, so ps finds no processes",
        ])
        // In a user namespace the fix is the one that works there: before pivot_root.
        let rootless = compiledWithLint("unshare user pid mount\npivot_root /r\nexec ps")
        #expect(rootless.warnings.first?.fix == "add 'mount proc /r/proc' before 'pivot_root /r': a proc shows the PID namespace of the process that mounts it")
        // A proc mounted before the root change is left behind (rule 2 too).
        #expect(warnings(["unshare pid mount", "mount proc /proc", "pivot_root /r", "exec ps"]) == [
            "2:1: this mount is outside the new root of 'pivot_root' at line 3 (/r): it is detached with the old root and is gone from the sandbox's mounts",
            "4:1: 'unshare pid' without a /proc of its own: /proc in the new root (/r/proc) is an empty directory, so ps finds no processes",
        ])
    }

    @Test func aProcOfItsOwnOrNoPidNamespaceOrNoExecIsNotWarned() {
        #expect(warnings(["unshare pid mount", "pivot_root /r", "mount proc /proc", "exec ps"]) == [])
        #expect(warnings(["unshare pid mount", "mount proc /r/proc", "pivot_root /r", "exec ps"]) == [])
        #expect(warnings(["unshare pid mount", "mount proc /proc", "exec ps"]) == [])
        #expect(warnings(["unshare uts", "exec ps"]) == [])
        #expect(warnings(["unshare pid"]) == [])
        #expect(warnings(["unshare pid", "verify"]) == [])
        // Something else mounted there: not guessed at.
        #expect(warnings(["unshare pid mount", "mount bind /proc /r/proc", "pivot_root /r", "exec ps"]) == [])
    }

    // MARK: 4. an escapable chroot

    @Test func aChrootTheCommandCanLeaveIsWarnedAtTheChroot() {
        let expected = "2:1: chroot can be left by root in the sandbox (chroot(2)); 'pivot_root DIR' cannot"
        #expect(warnings(["unshare mount", "chroot /r", "exec sh"]) == [expected])
        #expect(warnings(["unshare mount", "chroot /r", "cap keep sys_chroot", "exec sh"]) == [expected])
        #expect(warnings(["unshare mount", "chroot /r", "set user 0:1000", "exec sh"]) == [expected])
        #expect(warnings(["unshare mount", "chroot /r", "step sh"]) == [expected])
    }

    @Test func aChrootTheCommandCannotLeaveIsNotWarned() {
        #expect(warnings(["unshare mount", "pivot_root /r", "exec sh"]) == [])
        #expect(warnings(["unshare mount", "chroot /r", "set user 1000", "exec sh"]) == [])
        #expect(warnings(["unshare mount", "chroot /r", "cap drop sys_chroot", "exec sh"]) == [])
        #expect(warnings(["unshare mount", "chroot /r", "cap drop all", "exec sh"]) == [])
        #expect(warnings(["unshare mount", "chroot /r", "cap keep sys_admin", "exec sh"]) == [])
        #expect(warnings(["unshare mount", "chroot /r"]) == [])  // nothing runs
    }

    // MARK: 5. steps with no effect

    @Test func anUnsetOfANameTheEnvironmentDoesNotHaveIsWarned() {
        #expect(warnings(["unset env FOO"]) == [
            "1:1: 'unset env FOO' has no effect: it is not in cfsh's environment, which the command inherits, and the plan does not set it",
        ])
        #expect(warnings(["unset env FOO"], env: ["FOO": "1"]) == [])
        #expect(warnings(["set env FOO=1", "unset env FOO"]) == [])
        #expect(warnings(["clear env", "unset env HOME"], env: ["HOME": "/root"]) == [
            "2:1: 'unset env HOME' has no effect: 'clear env' at line 1 emptied it",
        ])
        #expect(warnings(["unset env FOO", "unset env FOO"], env: ["FOO": "1"]) == [
            "2:1: 'unset env FOO' has no effect: an earlier 'unset env' removed it",
        ])
        #expect(warnings(["clear env", "clear env"]).count == 1)
        #expect(warnings(["clear env", "set env A=1", "clear env"]) == [])
    }

    @Test func capStepsThatRemoveNothingNewAreWarned() {
        #expect(warnings(["cap keep all"]) == ["1:1: 'cap keep' of every capability removes none"])
        let every = "cap keep " + Capability.names.joined(separator: " ")
        #expect(warnings([every]) == ["1:1: 'cap keep' of every capability removes none"])
        #expect(warnings(["cap drop net_raw", "cap drop net_raw"]) == [
            "2:1: this cap step removes no capability: the cap step at line 1 already removed them",
        ])
        #expect(warnings(["cap keep setpcap", "cap drop chown"]).count == 1)
        #expect(warnings(["cap keep setpcap net_raw", "cap drop all"]) == [])
        #expect(warnings(["cap drop net_raw", "cap drop net_raw sys_admin"]) == [])
    }

    @Test func repeatedSwitchesAndNamespacesAreWarned() {
        #expect(warnings(["no_new_privs", "no_new_privs"]) == [
            "2:1: 'no_new_privs' has no effect: it is already set, at line 1, and cannot be unset (prctl(2))",
        ])
        #expect(warnings(["unshare net", "net up lo", "net up lo"]) == [
            "3:1: 'net up lo' has no effect: it is already up, at line 2",
        ])
        #expect(warnings(["unshare uts pid", "unshare uts"]) == [
            "2:1: 'unshare uts' has no effect: the plan already unshares it",
        ])
        #expect(warnings(["unshare uts", "unshare uts pid"]) == [])
    }

    // MARK: the warning kind

    @Test func warningsNeverStopARunNorChangeTheStatus() {
        let result = compiledWithLint("unshare pid\nexec ps\nexec true")
        #expect(result.diagnostics.isEmpty && result.status == 0)
        #expect(result.actions.count == 2)
        #expect(result.warnings.count == 2)  // one per exec line: where it matters
        // With an error too: both reported, the error still an error.
        let bad = compiledWithLint("unshare pid\nexec ps\nset hostname c")
        #expect(bad.diagnostics.count == 1 && bad.warnings.count == 1 && bad.status == 2)
        #expect(bad.reported.map(\.severity) == [.warning, .error])
        #expect(bad.actions.isEmpty)
    }

    @Test func eachWarningIsGivenOnceHoweverOftenItsLineIsLinted() {
        let result = compiledWithLint("unshare mount\nchroot /r\nexec sh\nexec sh\nmount tmpfs /tmp\nmount tmpfs /tmp\nexec sh")
        #expect(result.warnings.map(\.location.line) == [2, 5])
        // A file loaded twice has its step twice, with two messages; one is given.
        var host = Self.host
        host.scripts["/p.cfs"] = "unset env NEVER_SET\n"
        let loaded = compile(Array("load /p.cfs\nload /p.cfs".utf8), file: "t.cfs", context: ExpansionContext(),
                             onto: PlanBuilder(view: host.startingView), host: host)
        #expect(loaded.warnings.map(\.description) == [
            "/p.cfs:1:1: warning: 'unset env NEVER_SET' has no effect: it is not in cfsh's environment, which the command inherits, and the plan does not set it",
        ])
    }

    @Test func setLintOffSilencesWarningsFromWhereItIsAndIsASessionSetting() {
        #expect(warnings(["set lint off", "unshare pid", "exec ps"]) == [])
        #expect(warnings(["unshare pid", "exec ps"], lint: false) == [])
        #expect(warnings(["set lint off", "unshare pid", "exec ps", "set lint on", "exec ps"]) == [
            "5:1: 'unshare pid' without a /proc of its own: /proc is still the host's, so ps and /proc show the host's processes, with the host's PIDs",
        ])
        let result = compiledWithLint("set lint off\nunshare uts")
        guard case .setLint(false)? = result.actions.first else {
            Issue.record("\(result.actions)")
            return
        }
        #expect(result.state.plan.canonicalText == "unshare uts\n")
        #expect(kinds("set lint on; set lint off") == [.setLint(true), .setLint(false)])
        #expect(firstError("set lint maybe")?.hasPrefix("1:10: unknown value 'maybe' for 'set lint'") == true)
    }

    @Test func aWarningRendersWithItsCaretAndFix() {
        let w = Diagnostic("'unshare uts' has no effect", at: SourceLocation(file: "t.cfs", line: 2, column: 3),
                           fix: "delete this line", severity: .warning)
        #expect(render(w, sourceLine: "  unshare uts") == """
            t.cfs:2:3: warning: 'unshare uts' has no effect
              unshare uts
              ^
            t.cfs:2:3: note: delete this line

            """)
        #expect(w.description == "t.cfs:2:3: warning: 'unshare uts' has no effect")
    }

    @Test func aLargePlanIsLintedQuickly() {
        let text = (0..<3000).map { "mount tmpfs /mnt/m\($0)" }.joined(separator: "\n")
        let result = compiledWithLint("unshare mount\n" + text + "\nexec true")
        #expect(result.diagnostics.isEmpty)
    }
}

/// The path normalisation lint compares targets with (rewritten over bytes for start-up).
@Suite struct LexicalNormalisationTests {
    @Test(arguments: [
        ("/", "/"), ("", "/"), ("//", "/"), ("/a/b", "/a/b"), ("/a//b/", "/a/b"), ("/a/./b/.", "/a/b"),
        ("/a/b/..", "/a"), ("/a/../..", "/"), ("/../a", "/a"), ("/a/..b/.c", "/a/..b/.c"),
        ("/é/ü/../ß", "/é/ß"), ("/r/proc/../tmp", "/r/tmp"),
    ])
    func normalisesAsTheKernelWouldWithoutSymlinks(_ path: String, _ expected: String) {
        #expect(lexicallyNormalised(path) == expected)
    }
}
