import Foundation
import TestSupport

/// A private tmux server (its own socket, `-L`) running cfsh in a real pseudo-terminal,
/// driven as a person would: keys in, screen out. Killed (by its socket) when done;
/// its socket lives in a directory of its own, removed with it.
final class TmuxSession {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-tmux-\(UUID().uuidString.prefix(8))").path
    var socket: String { directory + "/socket" }
    let name = "cfsh"

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    init(command: [String], environment: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let env = environment.map { "\($0.key)=\($0.value)" }
        let quoted = (["env", "-i"] + env + command).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // The server this starts keeps whatever stdout it was given: give it none, or
        // reading our end of the pipe would wait for the server to exit.
        try tmux(["new-session", "-d", "-s", name, "-x", "120", "-y", "40", quoted.joined(separator: " ")], capture: false)
        try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
    }

    deinit { kill() }

    private var killed = false

    /// Ends the server and cfsh in it (idempotent).
    func kill() {
        guard !killed else { return }
        killed = true
        // kill-server, then make sure: the server is a process this test started.
        let serverPID = pid_t((try? tmux(["display-message", "-p", "#{pid}"]))?.split(separator: "\n").first ?? "") ?? 0
        _ = try? tmux(["kill-server"])
        if serverPID > 0 {
            Glibc.kill(serverPID, SIGKILL)
            // The server is gone once its /proc entry is (it is not our child).
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline && FileManager.default.fileExists(atPath: "/proc/\(serverPID)") { usleep(10_000) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits until the pane's terminal is out of canonical mode: cfsh's line editor is
    /// reading keys (a key typed before that meets the terminal as the last command
    /// left it).
    func waitForLineEditor(timeout: Double = 5) throws {
        let tty = (try tmux(["display-message", "-p", "-t", name, "#{pane_tty}"])).trimmingCharacters(in: .whitespacesAndNewlines)
        try waitFor("the line editor on \(tty)", timeout: timeout) { _ in
            TestHost.run(argv: ["/bin/stty", "-F", tty, "-a"], newSession: false).stdout.contains("-icanon")
        }
    }

    /// Whether a process whose command starts with `command` runs below the pane.
    func paneRuns(_ command: String) -> Bool {
        guard let top = Int32((try? tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else { return false }
        var queue = [top]
        while let pid = queue.popLast() {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if pid != top && cmdline.hasPrefix(command + "\0") { return true }
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            queue += children.split(separator: " ").compactMap { Int32($0) }
        }
        return false
    }

    /// Runs one tmux client and waits for it (spawnWithCleanSignals: a tmux server
    /// that inherits a blocked SIGCHLD never reaps its panes and never finishes
    /// kill-server; Foundation's Process can wait forever here, because the server that
    /// the first client starts outlives it and keeps whatever it inherited).
    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        try spawnWithCleanSignals(["/usr/bin/tmux", "-u", "-S", socket] + arguments, capture: capture).output
    }

    /// Types text literally, then presses Enter unless told not to.
    func type(_ text: String, enter: Bool = true) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
        if enter { try key("Enter") }
    }

    /// A named key: Enter, Up, Tab, C-c, C-d.
    func key(_ key: String) throws { try tmux(["send-keys", "-t", name, key]) }

    var screen: String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

    /// Waits until the screen satisfies `condition` (10 s at most); returns the screen.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 10, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = screen
            if condition(text) { return text }
            usleep(50_000)
        }
        struct Timeout: Error, CustomStringConvertible { var description: String }
        throw Timeout(description: "timed out waiting for \(what); screen:\n\(screen)")
    }

    func waitFor(_ text: String, timeout: Double = 10) throws {
        try waitFor("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    /// The last non-empty line of the screen.
    var lastLine: String {
        screen.split(separator: "\n").last.map(String.init) ?? ""
    }

    var paneIsDead: Bool {
        ((try? tmux(["display-message", "-p", "-t", name, "#{pane_dead}"])) ?? "").hasPrefix("1")
    }
}
