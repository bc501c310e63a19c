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
        // The lessons go with it, where the installed cfsh looks for them.
        #expect(TestHost.shell("'\(prefix)/bin/cfsh' --lesson > '\(out)'") == 0)
        let listed = TestHost.read(out).split(separator: "\n")
        #expect(listed.first == "The lessons in \(prefix)/share/cfsh/examples (cfsh --lesson N [ROOTFS] runs one):", "\(listed)")
        #expect(listed.count == TestHost.examples.count + 1)
        #expect(TestHost.shell("'\(prefix)/bin/cfsh' --lesson 2 </dev/null > '\(out)'") == 0)
        let lesson = TestHost.read(out)
        #expect(lesson.hasPrefix("Step 2: `run` executes the command it is given.\n"), "\(lesson)")
        #expect(lesson.contains("cfs> exec echo Hello, world\nstep 2: run executes the command\nHello, world\n"), "\(lesson)")
    }
}
