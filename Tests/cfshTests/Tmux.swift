import Foundation

/// A private tmux server (its own socket, `-L`) running cfsh in a real pseudo-terminal,
/// driven as a person would: keys in, screen out. Killed (by its socket) when done.
final class TmuxSession {
    let socket = "cfsh-test-\(UUID().uuidString.prefix(8))"
    let name = "cfsh"

    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    init(command: [String], environment: [String: String]) throws {
        let env = environment.map { "\($0.key)=\($0.value)" }
        let quoted = (["env", "-i"] + env + command).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        // The server this starts keeps whatever stdout it was given: give it none, or
        // reading our end of the pipe would wait for the server to exit.
        try tmux(["new-session", "-d", "-s", name, "-x", "120", "-y", "40", quoted.joined(separator: " ")], capture: false)
        try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
    }

    deinit { _ = try? tmux(["kill-server"]) }

    @discardableResult
    func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", socket] + arguments
        let output = Pipe()
        process.standardOutput = capture ? output : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = capture ? output.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
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
