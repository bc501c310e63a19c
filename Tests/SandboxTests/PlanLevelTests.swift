import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// preflight and explain: what the CLI calls before (or instead of) a run.
@Suite struct PlanLevelTests {
    @Test func preflightFindsAMissingChrootDirectoryWithItsStep() {
        let plan = makePlan([.uts], [.setHostname("c"), .chroot("/nonexistent-cfsh-test")])
        let failures = Sandbox.preflight(plan, argv: ["sh"])
        #expect(failures.count == 1)
        #expect(failures.first?.stepIndex == 1)
        #expect(failures.first?.status == 125)
        #expect(failures.first?.message == "chroot: /nonexistent-cfsh-test: No such file or directory")
    }

    @Test func preflightRefusesAChrootToAFile() {
        let failures = Sandbox.preflight(makePlan([], [.chroot("/etc/passwd")]), argv: ["sh"])
        #expect(failures.first?.message == "chroot: /etc/passwd: Not a directory")
    }

    @Test func preflightFindsTheCommandOrSaysWhyNot() {
        #expect(Sandbox.preflight(makePlan(), argv: ["/bin/sh"]).isEmpty)
        #expect(Sandbox.preflight(makePlan([], [.setEnv(name: "PATH", value: "/usr/bin:/bin")]),
                                  argv: ["sh"]).isEmpty)
        #expect(Sandbox.preflight(makePlan(), argv: ["/nonexistent"]).first?.status == 127)
        #expect(Sandbox.preflight(makePlan(), argv: ["/etc/passwd"]).first?.status == 126)
        #expect(Sandbox.preflight(makePlan([], [.setEnv(name: "PATH", value: "/nowhere")]),
                                  argv: ["sh"]).first?.status == 127)
    }

    @Test func preflightSkipsWhatThePlansMountsCouldChange() {
        let plan = makePlan([.mount], [mountStep(.bind, "/opt", source: "/usr/bin")])
        #expect(Sandbox.preflight(plan, argv: ["/opt/sh"]).isEmpty)
    }

    @Test func preflightResolvesInsideTheRoot() throws {
        // A rootfs whose /bin/tool is an absolute symlink to /bin/real: on the host that
        // path does not exist; inside the root it does.
        var template = Array("/tmp/cfsh-preflight-XXXXXX".utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        defer { _ = system("rm -rf '\(dir)'") }
        mkdir(dir + "/bin", 0o755)
        let fd = creat(dir + "/bin/real", 0o755)
        close(fd)
        symlink("/bin/real", dir + "/bin/tool")
        let plan = makePlan([], [.chroot(dir), .setEnv(name: "PATH", value: "/bin")])
        #expect(Sandbox.preflight(plan, argv: ["tool"]).isEmpty)
        #expect(Sandbox.preflight(plan, argv: ["missing"]).first?.status == 127)
        let explained = Sandbox.explain(plan, argv: ["tool"])
        #expect(explained.contains(#"command: execve("/bin/tool", ["tool"], ENV)"#) == false)
        #expect(explained.contains(#"child: execve("/bin/tool", ["tool"], ENV)"#))
    }

    @Test func explainShowsParentAndChildInOrder() {
        let plan = makePlan([.uts, .pid, .mount], [.setHostname("container"), .chroot("/"),
                                                   mountStep(.proc, "/proc")])
        let lines = Sandbox.explain(plan, argv: ["/bin/sh"])
        func index(_ prefix: String) -> Int {
            lines.firstIndex { $0.hasPrefix(prefix) } ?? -1
        }
        #expect(index("parent: clone3(CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID|SIGCHLD)") >= 0)
        #expect(index("parent: clone3") < index("parent: write(6, \"go\", 2)"))
        #expect(index("parent: write(6, \"go\", 2)") < index("child: read(5, ...)"))
        #expect(index("child: read(5") < index("child: mount(NULL, \"/\""))
        #expect(index("child: mount(NULL, \"/\"") < index("child: sethostname(\"container\")"))
        #expect(index("child: chroot(\"/\")") + 1 == index("child: chdir(\"/\")"))
        #expect(index("child: posix_spawn(\"/bin/sh\"") < index("command: execve(\"/bin/sh\""))
        #expect(lastBeforeSignalsRestored(lines) == "parent: wait4(4242)")
    }

    @Test func explainWithoutInitExecsInTheChild() {
        let lines = Sandbox.explain(makePlan([.pid], initProcess: false), argv: ["/bin/sh"])
        #expect(!lines.contains { $0.contains("fork") })
        #expect(lines.contains(#"child: execve("/bin/sh", ["/bin/sh"], ENV)"#))
    }

    /// `explain` with no command: the placeholder is found, so nothing fails that a real
    /// run would not fail — no ENOENT, no failure record on the error pipe (fd 8).
    @Test func explainWithoutACommandShowsThePlaceholderFound() {
        for plan in [makePlan([.uts, .pid, .mount], [.setHostname("c"), mountStep(.proc, "/proc")]),
                     makePlan([.uts], [.setHostname("c")])] {
            let lines = Sandbox.explain(plan, argv: nil)
            #expect(!lines.contains { $0.contains("ENOENT") || $0.contains("= -1") }, "\(lines)")
            #expect(!lines.contains { $0.contains("write(8, ") }, "\(lines)")
            #expect(lines.contains { $0.contains("execve(") && $0.contains(#"["CMD"], ENV)"#) }, "\(lines)")
        }
    }

    /// A real command in a plan without chroot is looked up on the host as it is: /bin/sh
    /// exists, so its execve succeeds.
    @Test func explainOfARealCommandWithoutChrootSucceeds() {
        let lines = Sandbox.explain(makePlan([.uts], [.setHostname("c")]), argv: ["/bin/sh"])
        #expect(lines.contains(#"child: execve("/bin/sh", ["/bin/sh"], ENV)"#), "\(lines)")
        #expect(!lines.contains { $0.contains("= -1") || $0.contains("write(8, ") }, "\(lines)")
    }
}
