import Foundation
import Glibc
import Testing
import TestSupport

/// `step` through a real pseudo-terminal (tmux), as a person uses it: next, continue and
/// abort typed at its question; after the abort nothing is left running and the host is
/// as it was (withShell checks the host snapshot and leftovers around it).
extension InteractiveShellTests {
    @Test func stepHoldsTheSandboxAfterEachStepUntilNextContinueOrAbort() throws {
        try requireHost(.tmux)  // (also makes the tests' rootfs)
        try withShell { shell, _ in
            try shell.type("unshare uts pid mount")
            try shell.type("set hostname held")
            try shell.type("chroot \(TestHost.rootfs)")
            try shell.type("mount proc /proc")
            try shell.waitFor("cfs[uts pid mount · held]>")

            // next, then continue: the command runs with every step applied.
            try shell.type("step hostname")
            let held = try shell.waitFor("the first hold") { $0.contains("step 1 of 3 applied: set hostname held") }
            #expect(held.contains(":2:1: set hostname held"))
            // The sandbox is there to look at from the host, in its own UTS namespace.
            let pid = try #require(held.split(separator: "\n").last { $0.contains("sandbox PID ") }
                .flatMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) }.flatMap { Int32($0) })
            let uts = TestHost.link("/proc/\(pid)/ns/uts")
            #expect(!uts.isEmpty && uts != TestHost.link("/proc/self/ns/uts"))
            try shell.type("n")
            try shell.waitFor("step 2 of 3 applied: chroot")
            try shell.type("continue")
            try shell.waitFor("the command's output") { $0.split(separator: "\n").contains("held") }
            try shell.waitFor("the prompt again") { $0.split(separator: "\n").last == "cfs[uts pid mount · held]>" }
            #expect(!shell.screen.contains("step 3 of 3"))

            // abort: the sandbox is torn down, the command never runs.
            try shell.key("C-l")
            try shell.type("step sh -c 'echo ran'")
            try shell.waitFor("step 1 of 3 applied")
            try shell.type("a")
            try shell.waitFor("step: aborted after")
            try shell.waitFor("the prompt after abort") { $0.split(separator: "\n").last == "cfs[uts pid mount · held]>" }
            #expect(!shell.screen.split(separator: "\n").contains("ran"))
            #expect(TestHost.link("/proc/\(pid)/ns/uts").isEmpty, "the first sandbox is gone")
            try shell.type("quit")
            try shell.waitFor("exit", timeout: 5) { _ in shell.paneIsDead }
        }
    }
}
