import Foundation
import Testing
import TestSupport
@testable import cfsh

/// `~` under sudo is found in /etc/passwd read directly, not through NSS: a static
/// binary's getpwnam(3) needs the shared libnss_* of the glibc it was linked with.
@Suite struct PasswordFileTests {
    @Test func homesAreFoundByNameAndByUID() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-passwd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
        root:x:0:0:root:/root:/bin/bash
        broken line
        liz:x:1000:1000:Liz,,,:/home/liz:/bin/sh
        nohome:x:1001:1001::::/bin/sh

        """.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(PasswordFile.home(where: { $0.name == "liz" }, path: path) == "/home/liz")
        #expect(PasswordFile.home(where: { $0.uid == "0" }, path: path) == "/root")
        #expect(PasswordFile.home(where: { $0.name == "nohome" }, path: path) == nil)
        #expect(PasswordFile.home(where: { $0.name == "nobody-here" }, path: path) == nil)
        #expect(PasswordFile.home(where: { _ in true }, path: path + ".missing") == nil)
    }

    @Test(.needs(.releaseBinary))
    func theStaticBinaryDoesNotCallNSS() throws {
        try requireHost(.releaseBinary)
        let binary = TestHost.cfsh
        let elf = try Data(contentsOf: URL(fileURLWithPath: binary))
        for symbol in ["getpwnam", "getpwuid", "getgrnam", "getgrgid"] {
            #expect(elf.range(of: Data((symbol + "\0").utf8)) == nil, "the release cfsh links \(symbol)")
        }
    }
}
