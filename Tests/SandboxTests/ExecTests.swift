import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

@Suite struct ExecTests {
    func exec(_ argv: [String], path: String = "/usr/bin:/bin",
              result: @escaping (String) -> Errno? = { _ in nil })
        -> (SandboxFailure?, [String])
    {
        let sys = RecordingKernel()
        sys.execveResult = result
        let failure = childExecCommand(argv, environment: CommandEnvironment(["PATH=\(path)"]),
                                       kernel: sys)
        return (failure, sys.syscalls)
    }

    @Test func aNameIsLookedUpInPATHInOrder() {
        let (failure, calls) = exec(["sh", "-c", "true"]) { $0 == "/bin/sh" ? nil : Errno(ENOENT) }
        #expect(failure == nil)
        #expect(calls == [#"execve("/usr/bin/sh", ["sh", "-c", "true"], ENV) = -1 ENOENT"#,
                          #"execve("/bin/sh", ["sh", "-c", "true"], ENV)"#])
    }

    @Test func aPathIsNotLookedUp() {
        let (failure, calls) = exec(["./run"])
        #expect(failure == nil)
        #expect(calls == [#"execve("./run", ["./run"], ENV)"#])
    }

    @Test func notFoundIs127() {
        let (failure, _) = exec(["nope"]) { _ in Errno(ENOENT) }
        #expect(failure?.status == 127)
        #expect(failure?.stepIndex == nil)
        #expect(failure?.step == "exec")
        #expect(failure?.message == "exec: nope: not found in PATH (/usr/bin:/bin)")
        let (direct, _) = exec(["/nonexistent"]) { _ in Errno(ENOENT) }
        #expect(direct?.status == 127)
        #expect(direct?.message == "exec: /nonexistent: No such file or directory")
    }

    @Test func notExecutableIs126() {
        #expect(exec(["/etc/passwd"]) { _ in Errno(EACCES) }.0?.status == 126)
        #expect(exec(["/bin/script"]) { _ in Errno(ENOEXEC) }.0?.status == 126)
        // Permission denied in one PATH entry, not found in the others: 126, as sh says.
        let (failure, calls) = exec(["x"]) { $0 == "/usr/bin/x" ? Errno(EACCES) : Errno(ENOENT) }
        #expect(failure?.status == 126)
        #expect(calls.count == 2)
    }

    @Test func userIsSetGroupsFirstThenGidThenUid() throws {
        let sys = RecordingKernel()
        try childSetUser(UserIDs(uid: 1000, gid: 100), kernel: sys)
        // The death signal the id change cleared is armed again, and the parent checked.
        #expect(sys.syscalls == ["getppid()", "setgroups([100])", "setresgid(100, 100, 100)",
                                 "setresuid(1000, 1000, 1000)", "prctl(PR_SET_PDEATHSIG, SIGKILL)",
                                 "getppid()"])
        let second = RecordingKernel()
        try childSetUser(UserIDs(uid: 7, gid: nil), kernel: second)
        #expect(second.syscalls[2] == "setresgid(7, 7, 7)")
    }

    @Test func everyFDButStdioAndTheErrorPipeIsClosed() throws {
        let sys = RecordingKernel()
        try childCloseInheritedFDs(keeping: 8, kernel: sys)
        #expect(sys.syscalls == ["close_range(3, 7, 0)", "close_range(9, ~0U, 0)"])
        let low = RecordingKernel()
        try childCloseInheritedFDs(keeping: 3, kernel: low)
        #expect(low.syscalls == ["close_range(4, ~0U, 0)"])
    }
}
