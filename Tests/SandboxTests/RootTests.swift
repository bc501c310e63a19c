import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// `pivot_root DIR` against the recording double.
@Suite struct PivotRootTests {
    @Test func bindChdirPivotDetachChdirInThatOrder() {
        let result = apply(makePlan([.mount], [.pivotRoot("/srv/rootfs"), mountStep(.proc, "/proc")]))
        #expect(result.failure == nil)
        #expect(result.calls == [
            #"mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)"#,
            #"mount("/srv/rootfs", "/srv/rootfs", NULL, MS_BIND|MS_REC, NULL)"#,
            #"chdir("/srv/rootfs")"#,
            #"pivot_root(".", ".")"#,
            #"umount2(".", MNT_DETACH)"#,
            #"chdir("/")"#,
            #"readlink("/proc")"#, #"mount("proc", "/proc", "proc", 0, NULL)"#,
        ])
    }

    @Test func withoutAMountNamespaceNothingIsCalled() {
        let result = apply(makePlan([.pid], [.pivotRoot("/r")]))
        #expect(result.calls.isEmpty)
        #expect(result.failure?.step == "pivot_root")
        #expect(result.failure?.errno == EPERM)
        #expect(result.failure?.message.contains("host's mounts") == true)
    }

    @Test func eachSyscallsFailureNamesWhatFailedAndStops() {
        let cases: [(String, Int, String)] = [
            ("mount", 2, "pivot_root: binding /r onto itself: Invalid argument"),
            ("chdir", 1, "pivot_root: /r: Invalid argument"),
            ("pivot_root", 1, "pivot_root: /r: Invalid argument"),
            ("umount2", 1, "pivot_root: detaching the old root: Invalid argument"),
        ]
        for (syscall, occurrence, message) in cases {
            let result = apply(makePlan([.mount], [.pivotRoot("/r"), .chdir("/x")])) {
                $0.fail(syscall, with: EINVAL, occurrence: occurrence)
            }
            #expect(result.failure?.stepIndex == 0)
            #expect(result.failure?.message == message)
            #expect(!result.calls.contains(#"chdir("/x")"#))
        }
    }

    @Test func explainShowsThePivot() {
        let lines = Sandbox.explain(makePlan([.mount], [.pivotRoot("/nonexistent-r")]), argv: ["/bin/sh"])
        #expect(lines.contains(#"child: pivot_root(".", ".")"#))
    }
}
