import CFSLanguage
import CLinux
import Foundation
import Glibc
import Testing
@testable import Sandbox

/// preflight and explain: what the CLI calls before (or instead of) a run.
@Suite struct PlanLevelTests {
    /// The diagnostics `compile` gives with the real host: the checks made before
    /// anything starts, through the one view of the planned root (HostView.swift).
    func check(_ text: String) -> [Diagnostic] {
        Array(compile(Array(text.utf8), file: "t.cfs", context: ExpansionContext(), onto: PlanBuilder(view: LinuxHost().startingView),
                host: LinuxHost()).diagnostics)
    }

    func status(_ text: String) -> Int32 {
        compile(Array(text.utf8), file: "t.cfs", context: ExpansionContext(), onto: PlanBuilder(view: LinuxHost().startingView),
                host: LinuxHost()).status
    }

    @Test func aMissingChrootDirectoryIsFoundAtItsLine() {
        let found = check("unshare uts; set hostname c; chroot /nonexistent-cfsh-test; exec sh")
        #expect(found.count == 1, "one error per cause: exec after it is not checked")
        #expect(found.first?.location.column == 30)
        #expect(found.first?.message == "chroot: '/nonexistent-cfsh-test' does not exist")
    }

    @Test func aChrootToAFileIsRefused() {
        #expect(check("chroot /etc/passwd").first?.message == "chroot: '/etc/passwd' is not a directory")
    }

    @Test func theCommandIsFoundOrSaysWhyNot() {
        #expect(check("exec /bin/sh").isEmpty)
        #expect(check("set env PATH=/usr/bin:/bin; exec sh").isEmpty)
        #expect(status("exec /nonexistent") == 127)
        #expect(status("exec /etc/passwd") == 126)
        #expect(status("set env PATH=/nowhere; exec sh") == 127)
        #expect(check("set env PATH=/nowhere; exec sh").first?.message == "exec: sh: not found in PATH (/nowhere)")
    }

    @Test func whatThePlansMountsCouldChangeIsNotGuessed() {
        #expect(check("unshare mount; mount bind /usr/bin /opt; exec /opt/sh").isEmpty)
    }

    @Test func pathsResolveInsideThePlannedRoot() throws {
        // A rootfs whose /bin/tool is an absolute symlink to /bin/real: on the host that
        // path does not exist; inside the root it does. And r/inner -> /real: after
        // `chroot r`, `chroot /inner` is r/real, as chroot(2) will resolve it.
        var template = Array((FileManager.default.temporaryDirectory.path + "/cfsh-preflight-XXXXXX").utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        defer { _ = system("rm -rf '\(dir)'") }
        mkdir(dir + "/bin", 0o755)
        mkdir(dir + "/real", 0o755)
        let fd = creat(dir + "/bin/real", 0o755)
        close(fd)
        symlink("/bin/real", dir + "/bin/tool")
        symlink("/real", dir + "/inner")
        symlink("../../..", dir + "/up")
        #expect(check("chroot \(dir); set env PATH=/bin; exec tool").isEmpty)
        #expect(status("chroot \(dir); set env PATH=/bin; exec missing") == 127)
        #expect(check("chroot \(dir); chroot /inner").isEmpty)
        #expect(check("chroot \(dir); cd /up; chroot bin").isEmpty, "'..' stops at the planned root")
        #expect(check("chroot \(dir); cd /real; exec ../bin/tool").isEmpty)
        #expect(check("chroot \(dir); chroot /missing").first?.message
                == "chroot: '/missing' (\(dir)/missing on the host) does not exist")
        let plan = makePlan([], [.chroot(dir), .setEnv(name: "PATH", value: "/bin")])
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
        // Without a user namespace the child borrows cfsh's memory until its execve
        // (Parent.swift), where the shim can make it so (x86-64).
        let how = cfs_clone3_shares_memory() == 1 ? ("CLONE_VM|CLONE_VFORK|", "|CLONE_CLEAR_SIGHAND") : ("", "")
        #expect(index("parent: clone3(\(how.0)CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID\(how.1)|SIGCHLD)") >= 0)
        #expect(index("parent: clone3") < index("parent: write(6, \"go\", 2)"))
        #expect(index("parent: write(6, \"go\", 2)") < index("child: read(5, ...)"))
        #expect(index("child: read(5") < index("child: mount(NULL, \"/\""))
        #expect(index("child: mount(NULL, \"/\"") < index("child: sethostname(\"container\")"))
        #expect(index("child: chroot(\"/\")") + 1 == index("child: chdir(\"/\")"))
        #expect(index("child: posix_spawn(\"/bin/sh\"") < index("command: execve(\"/bin/sh\""))
        #expect(lastBeforeSignalsRestored(lines) == "parent: wait4(4242)")
    }

    @Test func explainPutsEachStepsCallsUnderItsLine() {
        // makePlan places step N at t.cfs:N:1.
        let plan = makePlan([.uts, .pid, .mount], [.setHostname("container"), .chroot("/"),
                                                   mountStep(.proc, "/proc"), .rlimit(ResourceLimit(name: .nofile, soft: 10, hard: 10))])
        let lines = Sandbox.explain(plan, argv: ["/bin/sh"])
        let start = lines.firstIndex { $0.hasPrefix("# ") } ?? lines.count
        let end = lines.firstIndex(of: "# cfsh itself, no plan step") ?? -1
        #expect(Array(lines[start..<max(start, end + 1)]) == [
            "# t.cfs:3:1 mount proc /proc",
            #"child: mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)"#,
            "# t.cfs:1:1 set hostname container",
            #"child: sethostname("container")"#,
            "# t.cfs:2:1 chroot /",
            #"child: chroot("/")"#,
            #"child: chdir("/")"#,
            "# t.cfs:3:1 mount proc /proc",
            #"child: readlink("/proc")"#,
            #"child: mount("proc", "/proc", "proc", 0, NULL)"#,
            "# t.cfs:4:1 rlimit nofile 10",
            "child: prlimit64(0, RLIMIT_NOFILE, {rlim_cur=10, rlim_max=10}, NULL)",
            "# cfsh itself, no plan step",
        ], "\(lines)")
        #expect(lines.filter { $0.hasPrefix("# ") }.count == 6, "no other headings: the parent's calls come before the steps")
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
