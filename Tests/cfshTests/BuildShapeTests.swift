import Foundation
import Testing
import TestSupport

/// Guards the shape of the release build, so the start-up win cannot silently regress:
/// cfsh starts twice per sandbox, and a dynamic or Foundation-linked binary starts 3 to
/// 9 times slower (README, "Performance"). scripts/bench decides speed; this only guards the shape.
/// The binary checked is the one every integration test runs: the release cfsh of
/// scripts/setup (TestHost.cfsh). Missing, these tests are skipped — and fail under
/// CFSH_REQUIRE_SANDBOX=1, as scripts/test runs them.
@Suite(.needs(.releaseBinary)) struct BuildShapeTests {
    func elf() throws -> Data {
        try requireHost(.releaseBinary)
        return try Data(contentsOf: URL(fileURLWithPath: TestHost.cfsh))
    }

    @Test func releaseBuildIsStaticallyLinked() throws {
        let elf = try elf()
        // ELF64: e_phoff at 32, e_phentsize at 54, e_phnum at 56; a dynamically linked
        // executable has a PT_INTERP (3) program header naming its loader (elf(5)).
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            elf.subdata(in: offset..<offset + MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
        #expect(elf.prefix(4) == Data([0x7f, 0x45, 0x4c, 0x46]), "not an ELF file")
        let programHeaders = Int(integer(32, UInt64.self))
        let entrySize = Int(integer(54, UInt16.self))
        let count = Int(integer(56, UInt16.self))
        let types = (0..<count).map { integer(programHeaders + $0 * entrySize, UInt32.self) }
        #expect(!types.isEmpty)
        #expect(!types.contains(3), "the release cfsh has a PT_INTERP: it is dynamically linked")
        #expect(!types.contains(2), "the release cfsh has a PT_DYNAMIC segment")
    }

    @Test func releaseBuildDoesNotContainFoundation() throws {
        let elf = try elf()
        // Swift mangles Foundation's symbols with the module name `10Foundation`; the
        // stdlib's own symbols never contain it.
        #expect(elf.range(of: Data("10Foundation".utf8)) == nil, "the release cfsh links Foundation")
        #expect(elf.range(of: Data("_swift_stdlib".utf8)) != nil, "not a Swift binary?")
    }

    /// The Swift runtime's own start-up work that cfsh leaves out of its static link
    /// (Sources/CLinux/shims.c): the crash backtracer's search for `swift-backtrace`
    /// beside the binary, and CommandLine's search for argv through /proc/self/maps.
    /// `strace -f` of a start (strace(1)) names every file the start looks at; glibc's
    /// own readlink of /proc/self/exe stays (static glibc asks it for $ORIGIN).
    @Test(.needs(.strace)) func aStartDoesNotRunTheRuntimesSearches() throws {
        try requireHost(.releaseBinary)
        try requireHost(.strace)
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-start-\(getpid()).trace").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-qq", "-o", trace, TestHost.cfsh, "--version"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let calls = TestHost.read(trace).split(separator: "\n").map(String.init)
        #expect(calls.contains { $0.contains("execve(") }, "strace saw no start: \(calls.prefix(3))")
        let searches = calls.filter {
            $0.contains("swift-backtrace") || $0.contains("libexec/swift") || $0.contains("/proc/self/maps")
        }
        #expect(searches.isEmpty, "the runtime's searches ran at start: \(searches)")
        #expect(calls.filter { $0.contains("stat") }.isEmpty, "a start looks at files: \(calls.filter { $0.contains("stat") })")
    }
}
