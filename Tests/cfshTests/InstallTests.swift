import Foundation
import Testing
import TestSupport

/// `scripts/install PREFIX` puts a working cfsh at PREFIX/bin, which `#!/usr/bin/env cfsh`
/// scripts then find on PATH (README, first section).
@Suite struct InstallTests {
    @Test(.needs(.releaseBinary))
    func installPutsAWorkingCfshOnPath() throws {
        try requireHost(.releaseBinary)
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-install-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        #expect(TestHost.shell("'\(TestHost.repository)/scripts/install' '\(prefix)' >/dev/null") == 0)
        #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/cfsh"))
        let script = prefix + "/hello.cfs"
        try "#!/usr/bin/env cfsh\nprint \"hello from $1\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let out = prefix + "/out"
        #expect(TestHost.shell("PATH='\(prefix)/bin':/usr/bin:/bin '\(script)' world > '\(out)'") == 0)
        #expect(TestHost.read(out) == "hello from world\n")
    }
}
