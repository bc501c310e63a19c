import Foundation
import Testing
import TestSupport

/// The README's non-interactive transcripts (`$ COMMAND` followed by what it prints,
/// inside a code block) are what the release cfsh prints. The interactive one is
/// replayed through tmux in InteractiveShellTests.
@Suite struct ReadmeTranscriptTests {
    struct Transcript {
        var command: String
        var output: [String]
    }

    static func transcripts() throws -> [Transcript] {
        let readme = try String(contentsOfFile: TestHost.repository + "/README.md", encoding: .utf8)
        var found: [Transcript] = []
        var inBlock = false
        var current: Int?  // the transcript this block's lines belong to
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                inBlock.toggle()
                current = nil
                continue
            }
            guard inBlock else { continue }
            if line.hasPrefix("$ ") {
                found.append(Transcript(command: String(line.dropFirst(2)), output: []))
                current = found.count - 1
            } else if let current {
                found[current].output.append(line)
            }
        }
        // `sudo cfsh` is the interactive session (InteractiveShellTests).
        return found.filter { !$0.command.hasPrefix("sudo ") }
    }

    @Test(.needs(.releaseBinary))
    func eachTranscriptIsWhatCfshPrints() throws {
        try requireHost(.releaseBinary)
        let transcripts = try Self.transcripts()
        #expect(transcripts.count >= 2)
        let bin = URL(fileURLWithPath: TestHost.cfsh).deletingLastPathComponent().path
        for transcript in transcripts {
            let run = TestHost.run(argv: ["/bin/sh", "-c", "PATH='\(bin)':$PATH; " + transcript.command + " 2>&1"],
                                   newSession: false)
            #expect(run.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
                    == transcript.output, "$ \(transcript.command)\n\(run.stdout)")
        }
    }
}
