import Foundation
import Glibc
import Testing
import CFSLanguage
import Sandbox
@testable import cfsh

/// Completion reads the command table and resolves paths in the planned root through
/// the real host (LinuxHost), the same view the checker uses.
@Suite struct CompletionTests {
    let completer = Completer(host: LinuxHost(), context: ExpansionContext())

    func candidates(_ line: String, onto state: PlanBuilder = PlanBuilder(view: LinuxHost().startingView)) -> [String] {
        completer.complete(line, onto: state).candidates
    }

    /// A small rootfs: bin/{busybox, sh -> /bin/busybox}, etc/, and `link -> /etc`.
    func withRootfs(_ body: (String) throws -> Void) throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/cfsh-complete-XXXXXX").utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        defer { _ = system("rm -rf '\(dir)'") }
        mkdir(dir + "/rootfs", 0o755)
        mkdir(dir + "/rootfs/bin", 0o755)
        mkdir(dir + "/rootfs/etc", 0o755)
        close(creat(dir + "/rootfs/bin/busybox", 0o755))
        symlink("/bin/busybox", dir + "/rootfs/bin/sh")
        symlink("/etc", dir + "/rootfs/link")
        try body(dir)
    }

    @Test func commandNames() {
        #expect(candidates("unsh") == ["unshare"])
        #expect(candidates("print x; uns") == ["unset", "unshare"])
        #expect(candidates("c") == ["cap", "cd", "chdir", "chroot", "clear"])
    }

    @Test func subcommandsAndNames() {
        #expect(candidates("set host") == ["hostname"])
        #expect(candidates("set trace o") == ["off", "on"])
        #expect(candidates("unshare uts p") == ["pid"])
        #expect(candidates("limit m") == ["memory"])
        #expect(candidates("cap drop sys_a") == ["sys_admin"])
        #expect(candidates("rlimit nof") == ["nofile"])
        #expect(candidates("mount pr") == ["proc"])
        #expect(candidates("help pivot") == ["pivot_root"])
        #expect(candidates("net up ") == ["lo"])
    }

    @Test func mountOptionsComeFromTheTableOfTheType() {
        #expect(candidates("mount tmpfs /tmp nosuid,no")
                == ["nosuid,noatime", "nosuid,nodev", "nosuid,nodiratime", "nosuid,noexec", "nosuid,nosuid"])
        #expect(candidates("mount tmpfs /tmp si") == ["size="])
        #expect(candidates("mount proc /proc si") == [])
        #expect(candidates("mount overlay /m ro,up") == ["ro,upperdir="])
        #expect(candidates("mount bind /a /b up") == [])
    }

    @Test func pathsAreLookedUpInThePlannedRoot() throws {
        try withRootfs { dir in
            #expect(candidates("chroot \(dir)/ro") == ["\(dir)/rootfs/"])
            #expect(candidates("load \(dir)/rootfs/b") == ["\(dir)/rootfs/bin/"])
            let rooted = compile(Array("chroot \(dir)/rootfs".utf8), file: "t", context: ExpansionContext(),
                                 onto: PlanBuilder(view: LinuxHost().startingView), host: LinuxHost())
            #expect(rooted.diagnostics.isEmpty)
            // Inside the root: its /bin, not the host's.
            #expect(candidates("exec /bin/", onto: rooted.state) == ["/bin/busybox", "/bin/sh"])
            #expect(candidates("exec /bin/ba", onto: rooted.state) == [])
            #expect(candidates("exec bu", onto: rooted.state) == ["busybox"])
            // An absolute symlink resolves inside the root: link -> /etc is rootfs/etc.
            #expect(candidates("chdir /li", onto: rooted.state) == ["/link/"])
            // `load` and `save` name host files, whatever the plan's root.
            #expect(candidates("load \(dir)/ro", onto: rooted.state) == ["\(dir)/rootfs/"])
        }
    }

    @Test func earlierCommandsOnTheLineCount() throws {
        try withRootfs { dir in
            #expect(candidates("chroot \(dir)/rootfs; exec /bin/s") == ["/bin/sh"])
            #expect(candidates("chroot \(dir)/rootfs; cd /bin; exec ./b") == ["./busybox"])
            #expect(candidates("chroot \(dir)/rootfs; cd bin; chroot ../e") == ["../etc/"])
            #expect(candidates("chroot \(dir)/rootfs; set env PATH=/etc; exec bu") == [])
        }
    }

    @Test func sharedPrefix() {
        #expect(Completer.commonPrefix(["unset", "unshare"]) == "uns")
        #expect(Completer.commonPrefix([]) == "")
    }
}
