import Testing
import CFSLanguage
@testable import cfsh

@Suite struct CompletionTests {
    let files: [String: [String]] = [
        ".": ["rootfs", "README.md", ".git"],
        "rootfs/": ["bin", "proc"],
        "rootfs/bin": ["sh", "ps", "busybox"],
        "/usr/bin": ["python3"],
    ]
    var completer: Completer {
        Completer(listDirectory: { files[$0] }, isDirectory: { ["rootfs", "rootfs/bin", "rootfs/proc"].contains($0) })
    }

    func candidates(_ line: String, plan: Plan = Plan()) -> [String] {
        completer.complete(line, plan: plan).candidates
    }

    @Test func commandNames() {
        #expect(candidates("unsh") == ["unshare"])
        #expect(candidates("print x; uns") == ["unset", "unshare"])
    }

    @Test func subcommandsAndNames() {
        #expect(candidates("set host") == ["hostname"])
        #expect(candidates("set trace o") == ["off", "on"])
        #expect(candidates("unshare uts p") == ["pid"])
        #expect(candidates("limit m") == ["memory"])
        #expect(candidates("cap drop sys_a") == ["sys_admin"])
        #expect(candidates("rlimit nof") == ["nofile"])
        #expect(candidates("mount pr") == ["proc"])
        #expect(candidates("mount tmpfs /tmp nosuid,no") == ["nosuid,noatime", "nosuid,nodev", "nosuid,noexec", "nosuid,nosuid"])
    }

    @Test func pathsForPathCommands() {
        #expect(candidates("chroot ro") == ["rootfs/"])
        #expect(candidates("chroot rootfs/p") == ["rootfs/proc/"])
        #expect(candidates("load R") == ["README.md"])
    }

    @Test func execCompletesProgramsInsideThePlannedRoot() {
        var plan = Plan()
        plan.steps.append(PlanStep(.chroot("rootfs"), at: SourceLocation(file: "t", line: 1, column: 1)))
        #expect(candidates("exec b", plan: plan) == ["busybox"])
        #expect(candidates("exec py") == ["python3"])
    }

    @Test func sharedPrefix() {
        #expect(Completer.commonPrefix(["unset", "unshare"]) == "uns")
        #expect(Completer.commonPrefix([]) == "")
    }
}
