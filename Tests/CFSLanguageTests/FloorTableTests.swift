import Foundation
import Testing
import CFSLanguage

/// scripts/floor/floor.c (the benchmark's floor: cfsh's process model in C) needs the
/// capability names too and cannot share Swift's table; this keeps its copy equal to
/// `Capability.names`, so the floor never parses `cap drop` differently from cfsh.
@Suite struct FloorTableTests {
    @Test func theFloorsCapabilityNamesAreCfshs() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let source = try String(contentsOf: repository.appendingPathComponent("scripts/floor/floor.c"), encoding: .utf8)
        let start = try #require(source.range(of: "static const char *cap_names[] = {"))
        let end = try #require(source.range(of: "};", range: start.upperBound..<source.endIndex))
        let names = source[start.upperBound..<end.lowerBound].split(separator: "\"").enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(names == Capability.names)
    }
}
