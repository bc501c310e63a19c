import Foundation

/// Runs the cfsh binary built next to this test bundle, the way a user would.
struct CfshRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Cfsh {
    static var binary: String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("cfsh").path
    }

    static func run(_ arguments: [String], stdin: Data = Data(), user: String? = nil,
                    environment: [String: String]? = nil) throws -> CfshRun {
        let process = Process()
        if let user {
            // setpriv(1): run as another user, to see what an unprivileged user gets.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", binary] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        }
        if let environment { process.environment = environment }
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Feed and drain concurrently: a 1 MB script must not deadlock on a full pipe.
        let writer = Thread {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        final class Box: @unchecked Sendable { var data = Data() }
        let err = Box()
        let errReader = Thread { err.data = errors.fileHandleForReading.readDataToEndOfFile() }
        errReader.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errReader.isFinished { usleep(1000) }
        return CfshRun(status: process.terminationStatus,
                       stdout: String(decoding: out, as: UTF8.self),
                       stderr: String(decoding: err.data, as: UTF8.self))
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
