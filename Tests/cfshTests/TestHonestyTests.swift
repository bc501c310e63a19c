import Foundation
import Testing

/// In CI a test that cannot run fails; it never passes by returning early (README
/// "Tests"). The one way a test may depend on the host is a `.needs(...)` trait with
/// `requireHost` (Tests/TestSupport/TestHost.swift), which `CFSH_REQUIRE_SANDBOX=1`
/// turns into a failure. This reads every test source for the other ways — a suite
/// `.enabled(if:)` on a host fact, `.disabled`, a known issue, a "skipped" message —
/// because two of them had crept in (a bwrap test returning early when bwrap was not
/// installed, which scripts/setup did not install, and two suites enabled only if the
/// host could make sandboxes).
@Suite struct TestHonestyTests {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    static func sources() throws -> [(name: String, text: String)] {
        let enumerator = FileManager.default.enumerator(at: testsDirectory, includingPropertiesForKeys: nil)
        var result: [(String, String)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            result.append((url.path.replacingOccurrences(of: testsDirectory.path + "/", with: ""),
                           try String(contentsOf: url, encoding: .utf8)))
        }
        return result
    }

    @Test func noTestSkipsExceptThroughNeeds() throws {
        let sources = try Self.sources()
        #expect(sources.count > 40, "found \(sources.count) test files under \(Self.testsDirectory.path)")
        let forbidden = [".enabled(if:", ".disabled(", "withKnownIssue", "\"skipped:", "XCTSkip("]
        var found: [String] = []
        for (name, text) in sources where name != "TestSupport/TestHost.swift" && name != "cfshTests/TestHonestyTests.swift" {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for pattern in forbidden where line.contains(pattern) {
                    found.append("\(name):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "use .needs(...) and requireHost instead:\n\(found.joined(separator: "\n"))")
    }

    /// The plainest way to pass without running: `guard <host fact> else { return }`
    /// (two had stayed: a step test returning when the test rootfs could not be made,
    /// a verify test returning when unshare(1) was missing).
    @Test func noTestReturnsEarlyOnAHostFact() throws {
        let facts = ["TestHost.available", "isExecutableFile", "Tmux.available", "unmetReason", "geteuid()"]
        var found: [String] = []
        for (name, text) in try Self.sources() where name != "TestSupport/TestHost.swift" && name != "cfshTests/TestHonestyTests.swift" {
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("guard ") && line.contains("else { return") && facts.contains(where: line.contains) {
                found.append("\(name):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        #expect(found.isEmpty, "use requireHost instead:\n\(found.joined(separator: "\n"))")
    }
}
