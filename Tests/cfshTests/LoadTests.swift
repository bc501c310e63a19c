import Foundation
import Testing
import TestSupport

/// `load FILE` takes a script's plan: the teaching examples end with their step's plan,
/// so the shell's `load examples/step6.cfs` is ready for `exec /bin/sh`.
@Suite struct LoadTests {
    @Test(.needs(.sandbox)) func loadingStep6GivesItsPlan() throws {
        try requireHost(.sandbox)
        // step6.cfs defaults its rootfs to ./rootfs: run where ./rootfs is the tests' one.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-load-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory + "/rootfs", withDestinationPath: TestHost.rootfs)
        let run = TestHost.run(["-c", "load '\(TestHost.repository)/examples/step6.cfs'; show"], directory: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            unshare uts pid
            set trace on
            set hostname container
            chroot ./rootfs

            """)
    }

    @Test func aFileWithAnErrorAddsNothing() throws {
        let (file, dir) = try Cfsh.temporaryFile(Data("unshare uts\nset hostnme c\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Cfsh.run(["-c", "load '\(file)'"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("script.cfs:2:5: error:"))
    }
}
