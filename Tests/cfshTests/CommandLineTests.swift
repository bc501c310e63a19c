import Foundation
import Testing
import TestSupport

/// The command line as a user meets it: exit codes, diagnostics, and bad input that must
/// give exit 2 with one clear error — never a crash or a hang. Nothing here runs a sandbox.
@Suite struct CommandLineTests {
    @Test func misspelledSubcommandOnStandardInput() throws {
        let run = try Cfsh.run(["-n", "-"], stdin: Data("unshare uts\nset hostnme c\n".utf8))
        #expect(run.status == 2)
        #expect(run.stderr.contains("<stdin>:2:5: error:"))
        #expect(run.stderr.contains("did you mean 'hostname'"))
        #expect(run.stderr.contains("set hostnme c\n    ^"))
    }

    @Test func hostnameWithoutUTSNamespaceIsRefusedBeforeAnythingRuns() throws {
        let run = try Cfsh.run(["-c", "set hostname c; print ran"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("unshare uts"))
        #expect(!run.stdout.contains("ran"))
    }

    @Test func showReparsesAndIsStable() throws {
        let first = try Cfsh.run(["-c", "unshare uts pid; set hostname c; show"])
        #expect(first.status == 0)
        #expect(first.stdout.contains("set hostname c"))
        let check = try Cfsh.run(["-n", "-"], stdin: Data(first.stdout.utf8))
        #expect(check.status == 0, "\(check.stderr)")
        let again = try Cfsh.run(["-"], stdin: Data((first.stdout + "show\n").utf8))
        #expect(again.stdout == first.stdout)
    }

    @Test func everyErrorOfAScriptIsReported() throws {
        let script = "unshare utz\nset hostnme c\nlimit pids -1\nprint never\n"
        let run = try Cfsh.run(["-"], stdin: Data(script.utf8))
        #expect(run.status == 2)
        #expect(run.stderr.contains("<stdin>:1:9: error:"))
        #expect(run.stderr.contains("<stdin>:2:5: error:"))
        #expect(run.stderr.contains("<stdin>:3:"))
        #expect(!run.stdout.contains("never"))
    }

    @Test func emptyScriptIsValidAndDoesNothing() throws {
        let run = try Cfsh.run(["-"], stdin: Data())
        #expect(run.status == 0)
        #expect(run.stdout.isEmpty && run.stderr.isEmpty)
    }

    @Test func badBytesGiveOneLocatedErrorAndExit2() throws {
        let cases: [(String, Data)] = [
            ("NUL bytes", Data(repeating: 0, count: 4096)),
            ("invalid UTF-8", Data([0x70, 0x72, 0x69, 0x6e, 0x74, 0x20, 0xff, 0xfe, 0x0a])),
            ("unterminated quote", Data("print 'never closed\n".utf8)),
        ]
        for (name, bytes) in cases {
            let run = try Cfsh.run(["-"], stdin: bytes)
            #expect(run.status == 2, "\(name): \(run.stderr)")
            #expect(run.stderr.contains("<stdin>:1:"), "\(name): \(run.stderr)")
        }
    }

    @Test func crlfLineEndsAreAccepted() throws {
        let run = try Cfsh.run(["-"], stdin: Data("print one\r\nprint two\r\n".utf8))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "one\ntwo\n")
    }

    @Test func hugeInputsFinish() throws {
        let longLine = "print " + String(repeating: "x", count: 1 << 20) + "\n"
        let long = try Cfsh.run(["-n", "-"], stdin: Data(longLine.utf8))
        #expect(long.status == 0, "\(long.stderr.prefix(300))")
        let manyLines = String(repeating: "unshare uts\nundo\n", count: 50_000)
        let many = try Cfsh.run(["-n", "-"], stdin: Data(manyLines.utf8))
        #expect(many.status == 0, "\(many.stderr.prefix(300))")
    }

    @Test func scriptFilesThatCannotBeRead() throws {
        let missing = try Cfsh.run(["/nonexistent/script.cfs"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "cfsh: /nonexistent/script.cfs: No such file or directory\n")

        let directory = try Cfsh.run([NSTemporaryDirectory()])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("Is a directory"))
    }

    @Test(.needs(.root)) func aScriptTheUserCannotReadIsAnError() throws {
        try requireHost(.root)
        let (file, dir) = try Cfsh.temporaryFile(Data("print hidden\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: dir)
        let denied = try Cfsh.run([file], user: "65534")
        #expect(denied.status == 2)
        #expect(denied.stderr.contains("Permission denied"))
    }

    @Test func scriptArgumentsAndShebang() throws {
        let (file, dir) = try Cfsh.temporaryFile(Data("#!/usr/bin/env cfsh\nprint \"$1 and ${2:-two}\" $#\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Cfsh.run([file, "one"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "one and two 1\n")
    }

    @Test func usageErrorsExit2() throws {
        let run = try Cfsh.run(["-q"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown option '-q'"))
        #expect(try Cfsh.run(["--version"]).status == 0)
        #expect(try Cfsh.run(["--help"]).stdout.contains("usage: cfsh"))
    }

    @Test func saveRefusesToOverwriteWithoutForce() throws {
        let (file, dir) = try Cfsh.temporaryFile(Data("old\n".utf8), name: "plan.cfs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try Cfsh.run(["-c", "unshare uts; save '\(file)'"])
        #expect(refused.status == 2)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "old\n")
        let forced = try Cfsh.run(["-c", "unshare uts; save -f '\(file)'"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "unshare uts\n")
    }
}

/// Start-up does only what the run needs: a script never opens the interactive shell's
/// history, never starts libedit.
@Suite struct StartPathTests {
    @Test(.needs(.strace)) func scriptsDoNotOpenTheHistoryFile() throws {
        try requireHost(.strace)
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-e", "trace=open,openat,openat2,stat,newfstatat", Cfsh.binary, "-c", "print hello"]
        process.environment = ["HOME": home, "PATH": "/usr/bin:/bin"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let trace = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(trace.contains("exited with 0"), "strace did not trace cfsh: \(trace)")
        #expect(!trace.contains(".cfsh_history"), "\(trace)")
        #expect(!trace.contains("editrc"), "\(trace)")
    }
}

/// An unprivileged user: an empty plan runs; a plan that needs root is refused before
/// anything runs, with the fix.
@Suite struct UnprivilegedUserTests {
    @Test(.needs(.root)) func withoutRootOnlyWhatNeedsNoRootRuns() throws {
        try requireHost(.root)
        let nobody = "65534"
        let plain = try Cfsh.run(["-c", "exec /bin/echo hello from nobody"], user: nobody)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout == "hello from nobody\n")

        let refused = try Cfsh.run(["-c", "unshare uts; print ran; exec hostname"], user: nobody)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("needs root, or add 'unshare user'"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }
}

/// The plan is built once, in the check pass; each command that reads it sees the plan
/// as it stood on its line, across undo and reset.
@Suite struct PlanAtEachLineTests {
    @Test func showSeesThePlanOfItsLine() throws {
        let run = try Cfsh.run(["-c", "unshare uts; show; print -; undo; show; print -; unshare pid; reset; unshare mount; set env A=1; undo; show"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "unshare uts\n-\n-\nunshare mount\n")
    }
}
