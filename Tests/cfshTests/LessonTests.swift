import CFSLanguage
import Foundation
import Glibc
import Testing
import TestSupport

/// A lesson's text has one owner, the .cfs file: its header introduces it, each comment
/// block explains the lines after it.
@Suite struct LessonReadingTests {
    @Test func theHeaderIntroducesAndEachCommentBlockExplainsTheLinesAfterIt() {
        let lesson = Lesson(Array("""
            #!/usr/bin/env cfsh
            # Step 9: a title.
            #
            # What this step adds: x.

            print "no comment before me"

            # First block,
            # two lines.
            unshare uts
            set hostname c

            # A block, a blank line,

            # and more: one explanation.
            exec hostname \\
            # continued, not a comment
            # Right after a command: a new section.
            verify
            # a trailing comment explains nothing
            """.utf8))
        #expect(lesson.title == "Step 9: a title.")
        #expect(lesson.introduction == ["Step 9: a title.", "", "What this step adds: x."])
        #expect(lesson.sections.map(\.explanation) == [
            [], ["First block,", "two lines."], ["A block, a blank line,", "", "and more: one explanation."],
            ["Right after a command: a new section."],
        ])
        #expect(lesson.sections.map(\.commands) == [
            ["print \"no comment before me\""], ["unshare uts", "set hostname c"],
            ["exec hostname \\", "# continued, not a comment"], ["verify"],
        ])
        #expect(lesson.sections.map(\.lines) == [6...6, 8...11, 13...17, 18...19])
    }

    /// Every example is a lesson in the same shape: a header saying what the step adds,
    /// what to observe and what is still not isolated, and a last section that is
    /// `verify` alone.
    @Test func everyExampleHasTheLessonsShape() throws {
        #expect(TestHost.examples.count >= 15, "\(TestHost.examples)")
        for name in TestHost.examples {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestHost.repository + "/examples/" + name)))
            let lesson = Lesson(bytes)
            let number = Int(name.dropFirst(4).prefix { $0.isNumber }) ?? -1
            #expect(lesson.title.hasPrefix("Step \(number)"), "\(name): \(lesson.title)")
            let introduction = lesson.introduction.joined(separator: "\n")
            for heading in ["What this step adds:", "What to observe:", "Still not isolated:"] {
                #expect(introduction.contains(heading), "\(name) has no '\(heading)'")
            }
            #expect(lesson.sections.last?.commands == ["verify"], "\(name)")
            #expect(lesson.sections.last?.explanation.isEmpty == false, "\(name)")
        }
    }
}

/// `cfsh --lesson` on the command line: the list, bad numbers, where the lessons are.
@Suite struct LessonCommandLineTests {
    func shell(_ command: String) -> TestHost.Run {
        TestHost.run(argv: ["/bin/sh", "-c", command], newSession: false)
    }

    @Test func withoutANumberItListsTheLessonsWithTheirTitles() throws {
        let run = try Cfsh.run(["--lesson"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.lines.first == "The lessons in \(TestHost.repository)/examples (cfsh --lesson N [ROOTFS] runs one):")
        #expect(run.lines.count == TestHost.examples.count + 1)
        #expect(run.lines.contains { $0.hasPrefix("   8  step8-pivot-root.cfs") && $0.hasSuffix("Step 8: pivot_root — a root the sandbox cannot climb out of.") },
                "\(run.stdout)")
    }

    @Test func helpAndUsageSayHowToRunALessonAndWhereTheyAre() throws {
        let help = try Cfsh.run(["-c", "help"])
        #expect(help.stdout.contains("Lessons: `cfsh --lesson` lists the teaching scripts"), "\(help.stdout)")
        let usage = try Cfsh.run(["--help"])
        #expect(usage.stdout.contains("cfsh --lesson [N|FILE] [ARGS...]"))
        #expect(usage.stdout.contains("found in $CFSH_LESSONS, else PREFIX/share/cfsh/examples"))
    }

    @Test func aBadNumberIsAClearErrorAndNothingRuns() throws {
        let last = TestHost.examples.count
        for (word, message) in [
            ("99", "cfsh: --lesson 99: there is no lesson 99 in \(TestHost.repository)/examples (they are 1 to \(last); cfsh --lesson lists them)"),
            ("0", "cfsh: --lesson 0: not a lesson number or a .cfs file (cfsh --lesson lists the lessons)"),
            ("eight", "cfsh: --lesson eight: not a lesson number or a .cfs file (cfsh --lesson lists the lessons)"),
        ] {
            let run = try Cfsh.run(["--lesson", word])
            #expect(run.status == 2, "\(word)")
            #expect(run.stderr == message + "\n", "\(word): \(run.stderr)")
            #expect(run.stdout.isEmpty)
        }
        let checkOnly = try Cfsh.run(["-n", "--lesson", "1"])
        #expect(checkOnly.status == 2)
        #expect(checkOnly.stderr.hasPrefix("cfsh: --lesson runs a lesson; it takes no -n or -c"))
    }

    /// CFSH_LESSONS names the one place to look; a FILE is run as a lesson whatever its name.
    @Test func theLessonsDirectoryCanBeNamedAndAFileRunAsALesson() throws {
        let (file, directory) = try Cfsh.temporaryFile(Data("""
            # Step 1: a lesson of my own.

            # Say hello.
            print hello
            """.utf8), name: "step1-mine.cfs")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let env = "CFSH_LESSONS='\(directory)'"
        let list = shell("\(env) '\(Cfsh.binary)' --lesson")
        #expect(list.stdout == "The lessons in \(directory) (cfsh --lesson N [ROOTFS] runs one):\n   1  step1-mine.cfs          Step 1: a lesson of my own.\n",
                "\(list.stdout)\(list.stderr)")
        let missing = shell("CFSH_LESSONS=/nonexistent '\(Cfsh.binary)' --lesson 1")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("the lessons were not found (looked in: /nonexistent)"), "\(missing.stderr)")
        for word in ["1", file] {
            let run = shell("\(env) '\(Cfsh.binary)' --lesson '\(word)' </dev/null")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == "Step 1: a lesson of my own.\n\n── 1 of 1 ──\nSay hello.\ncfs> print hello\nhello\n\n",
                    "\(run.stdout)")
        }
    }
}

/// `cfsh --lesson N` for real: through a pseudo-terminal it shows each section and waits
/// for Enter before running it; without a terminal it runs straight through. Either way
/// the lesson ends with verify's table, all ✓.
@Suite(.serialized, .needs(.sandbox)) struct LessonRunTests {
    /// The lesson's last verify: "verify PID: N of N as planned" and no ✗ row.
    static func verifiedAllChecked(_ text: String) -> Bool {
        guard let heading = text.split(separator: "\n").last(where: { $0.hasPrefix("verify ") && $0.hasSuffix(" as planned") }),
              let counts = heading.split(separator: ": ").last?.split(separator: " "), counts.count >= 3
        else { return false }
        return counts[0] == counts[2] && !text.contains("  ✗ ")
    }

    @Test(.needs(.tmux)) func onATerminalEachSectionWaitsForEnter() throws {
        try withHostUnchanged(requiring: .tmux) { marker in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-lesson-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let status = directory + "/status"
            let shell = try TmuxSession(command: ["/bin/sh", "-c", "\"$@\"; echo $? > '\(status)'", "sh"] + TestHost.wrapper
                                            + [Cfsh.binary, "--lesson", "8", TestHost.rootfs],
                                        environment: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "CFSH_SANDBOX_TEST": marker,
                                                      "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"])
            defer { shell.kill() }
            let prompt = "[Enter: run these lines · q: stop]"
            // The introduction and the first section, then it waits.
            let first = try shell.waitFor("the first section") { $0.contains(prompt) }
            #expect(first.contains("Step 8: pivot_root — a root the sandbox cannot climb out of."))
            #expect(first.contains("What this step adds: `pivot_root DIR`"))
            #expect(first.contains("── 1 of 5 ──\ncfs> print \"step 8: pivot_root ${1:-./rootfs}\""))
            usleep(300_000)
            #expect(!shell.screen.contains("step 8: pivot_root \(TestHost.rootfs)"), "nothing runs before Enter")

            try shell.key("Enter")
            try shell.waitFor("step 8: pivot_root \(TestHost.rootfs)")
            let second = try shell.waitFor("the second section") { $0.contains("── 2 of 5 ──") && shell.lastLine == prompt }
            #expect(second.contains("First step 7's way, for comparison"))
            #expect(second.contains("cfs> chroot \"${1:-./rootfs}\""))
            usleep(300_000)
            #expect(!shell.screen.contains("after chroot: the sandbox's mounts\n"), "the section waits for Enter")

            try shell.key("Enter")
            // (Between the two, on stderr, the warning that chroot can be left: part of the lesson.)
            try shell.waitFor("the chroot's mounts") {
                $0.contains("after chroot: the sandbox's mounts\n") && $0.contains("\n/proc proc (its filesystem from /)\n")
            }
            for section in 3...5 {
                try shell.waitFor("section \(section)") { $0.contains("── \(section) of 5 ──") && shell.lastLine == prompt }
                try shell.key("Enter")
            }
            try shell.waitFor("the end of the lesson", timeout: 20) { _ in shell.paneIsDead }
            let screen = shell.screen
            #expect(Self.verifiedAllChecked(screen), "\(screen)")
            #expect(screen.contains("✓ mount /proc"), "\(screen)")
            #expect(TestHost.read(status) == "0\n")
        }
    }

    @Test(.needs(.tmux)) func qStopsTheLessonBeforeTheNextSection() throws {
        try withHostUnchanged(requiring: .tmux) { marker in
            let shell = try TmuxSession(command: TestHost.wrapper + [Cfsh.binary, "--lesson", "3"],
                                        environment: ["TERM": "xterm-256color", "LANG": "C.UTF-8", "CFSH_SANDBOX_TEST": marker,
                                                      "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"])
            defer { shell.kill() }
            try shell.waitFor("the first section") { $0.contains("── 1 of ") && shell.lastLine.hasSuffix("q: stop]") }
            try shell.type("q")
            try shell.waitFor("the end of the lesson") { _ in shell.paneIsDead }
            #expect(!shell.screen.contains("step 3: unshare uts\n"), "\(shell.screen)")
            #expect(!shell.screen.contains("── 2 of "))
        }
    }

    /// Without a terminal: every section's explanation and lines, run straight through.
    @Test func withoutATerminalEveryLessonRunsStraightThroughToAllChecked() throws {
        defer { _ = TestHost.shell("rm -rf '\(TestHost.rootfs)-overlay'") }
        for (index, name) in TestHost.examples.enumerated() {
            let number = index + 1
            #expect(name.hasPrefix("step\(number)"), "lesson \(number) is \(name)")
            let lesson = Lesson(try [UInt8](Data(contentsOf: URL(fileURLWithPath: TestHost.repository + "/examples/" + name))))
            withHostUnchanged { marker in
                let run = TestHost.run(["--lesson", String(number), TestHost.rootfs], marker: marker)
                #expect(run.status == 0, "\(name): \(run.stderr)")
                #expect(run.stdout.hasPrefix(lesson.introduction.joined(separator: "\n") + "\n\n── 1 of "), "\(name)")
                for (at, section) in lesson.sections.enumerated() {
                    let shown = "── \(at + 1) of \(lesson.sections.count) ──\n"
                        + section.explanation.map { $0 + "\n" }.joined() + section.commands.map { "cfs> " + $0 + "\n" }.joined()
                    #expect(run.stdout.contains(shown), "\(name): section \(at + 1)")
                }
                #expect(!run.stdout.contains("q: stop]"), "\(name): no waiting without a terminal")
                #expect(Self.verifiedAllChecked(run.stdout), "\(name): \(run.stdout)")
            }
        }
        // The rootless lesson, as an unprivileged user.
        withHostUnchanged { marker in
            let run = TestHost.run(["--lesson", "10", TestHost.rootfs], marker: marker, user: "65534")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.contains { $0.split(separator: " ") == ["0", "65534", "1"] }, "\(run.stdout)")
            #expect(Self.verifiedAllChecked(run.stdout), "\(run.stdout)")
        }
    }
}
