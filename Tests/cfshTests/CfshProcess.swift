import Foundation
import TestSupport

/// The cfsh binary built next to this test bundle, run the way a user would.
enum Cfsh {
    static var binary: String { TestHost.cfsh }

    static func run(_ arguments: [String], stdin: Data = Data(), user: String? = nil) throws -> TestHost.Run {
        TestHost.run(arguments, stdin: stdin, user: user)
    }

    /// A file in a fresh temporary directory, removed by the caller's `defer`.
    static func temporaryFile(_ contents: Data, name: String = "script.cfs") throws -> (file: String, directory: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cfsh-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name)
        try contents.write(to: file)
        return (file.path, directory.path)
    }
}
