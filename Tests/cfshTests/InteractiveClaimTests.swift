import Foundation
import Testing
import TestSupport

/// README claims of the interactive shell, through a real pseudo-terminal (the suite's
/// `withShell` checks the host around each session).
extension InteractiveShellTests {
    /// cfsh's exit status once it has left, as the /bin/sh around it wrote it
    /// (`withShell(statusFile: true)`).
    func exitStatus(_ shell: TmuxSession, home: String) throws -> Int32? {
        let tty = (try shell.tmux(["display-message", "-p", "-t", shell.name, "#{pane_tty}"])).trimmingCharacters(in: .whitespacesAndNewlines)
        // What runs on the pane's terminal, and in which state, if cfsh does not leave.
        let processes = { TestHost.run(argv: ["/bin/ps", "-o", "pid,pgid,tpgid,stat,wchan:20,cmd", "-t", String(tty.dropFirst(5))], newSession: false).stdout }
        var status: Int32?
        do {
            try shell.waitFor("exit status", timeout: 5) { _ in
                status = Int32(TestHost.read(home + "/.status").trimmingCharacters(in: .whitespacesAndNewlines))
                return status != nil
            }
        } catch {
            Issue.record("cfsh did not leave; on its terminal:\n\(processes())")
            throw error
        }
        return status
    }

    @Test func ctrlDLeavesWithTheLastStatus() throws {
        try withShell(statusFile: true) { shell, home in
            try shell.type("unshare uts pid")
            try shell.waitFor("cfs[uts pid]>")
            // (the command prints what its line does not, so the wait is for its output)
            try shell.type("exec sh -c 'hostname x; echo ran-$((2+3)); exit 5'")
            try shell.waitFor("the command's output and the prompt after it") {
                $0.split(separator: "\n").suffix(2) == ["ran-5", "cfs[uts pid]>"]
            }
            SandboxCounter.note()
            try shell.waitForLineEditor()
            try shell.key("C-d")
            let status = try exitStatus(shell, home: home)
            #expect(status == 5, "\(shell.screen)")
        }
    }

    @Test func exitNLeavesWithN() throws {
        try withShell(statusFile: true) { shell, home in
            try shell.type("exit 3")
            #expect(try exitStatus(shell, home: home) == 3)
        }
    }

    /// `history` lists the typed lines; a line with an error is kept there but never
    /// enters the plan.
    @Test func historyKeepsAnErrorLineThePlanDoesNot() throws {
        try withShell { shell, home in
            try shell.type("unshare uts")
            try shell.type("set hostnme c")
            try shell.waitFor("did you mean 'hostname'")
            try shell.type("show")
            try shell.waitFor("the plan") { $0.split(separator: "\n").last == "cfs[uts]>" }
            try shell.type("history")
            try shell.waitFor("history listing") { screen in
                let lines = screen.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                return lines.contains("1  unshare uts") && lines.contains("2  set hostnme c")
                    && lines.contains("3  show") && lines.contains("4  history")
            }
            // `show` printed the plan: only the good line.
            let screen = shell.screen
            let shown = screen.components(separatedBy: "cfs[uts]> show\n").last ?? ""
            #expect(shown.hasPrefix("unshare uts\ncfs[uts]>"), "\(screen)")
            try shell.type("quit")
            try shell.waitFor("exit", timeout: 5) { _ in shell.paneIsDead }
            let saved = try String(contentsOfFile: home + "/.cfsh_history", encoding: .utf8)
            #expect(saved.contains("set hostnme c\n"), "\(saved)")
        }
    }
}
