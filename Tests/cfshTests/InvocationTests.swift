import Testing
@testable import cfsh

@Suite struct InvocationTests {
    func parse(_ words: [String]) -> Invocation? { try? Invocation.parse(words) }

    @Test func noArgumentsReadsStandardInput() {
        #expect(parse([]) == .standardInput(checkOnly: false, arguments: []))
        #expect(parse(["-"]) == .standardInput(checkOnly: false, arguments: []))
        #expect(parse(["-n", "-"]) == .standardInput(checkOnly: true, arguments: []))
        #expect(parse(["-", "a", "b"]) == .standardInput(checkOnly: false, arguments: ["a", "b"]))
    }

    @Test func fileWithArguments() {
        #expect(parse(["examples/step6.cfs", "./rootfs"]) ==
            .file(path: "examples/step6.cfs", checkOnly: false, arguments: ["./rootfs"]))
        #expect(parse(["-n", "x.cfs"]) == .file(path: "x.cfs", checkOnly: true, arguments: []))
        // After the script, words are the script's, even when they look like options.
        #expect(parse(["x.cfs", "-n"]) == .file(path: "x.cfs", checkOnly: false, arguments: ["-n"]))
        #expect(parse(["--", "-odd.cfs"]) == .file(path: "-odd.cfs", checkOnly: false, arguments: []))
    }

    @Test func lesson() {
        #expect(parse(["--lesson"]) == .lesson(nil, arguments: []))
        #expect(parse(["--lesson", "8", "./rootfs"]) == .lesson("8", arguments: ["./rootfs"]))
        #expect(parse(["--lesson", "my.cfs", "-n"]) == .lesson("my.cfs", arguments: ["-n"]))
        #expect(parse(["-n", "--lesson", "8"]) == nil)
        #expect(parse(["-c", "show", "--lesson", "8"]) == nil)
    }

    @Test func inlineScript() {
        #expect(parse(["-c", "exec true", "a"]) == .inline(script: "exec true", checkOnly: false, arguments: ["a"]))
        #expect(parse(["-n", "-c", "show"]) == .inline(script: "show", checkOnly: true, arguments: []))
    }

    @Test func runVerb() {
        #expect(parse(["run", "echo", "Hello,", "world"]) == .run(["echo", "Hello,", "world"]))
        // After an option, `run` is a file name like any other.
        #expect(parse(["-n", "run"]) == .file(path: "run", checkOnly: true, arguments: []))
    }

    @Test func helpAndVersion() {
        #expect(parse(["--help"]) == .help)
        #expect(parse(["-h"]) == .help)
        #expect(parse(["--version"]) == .version)
    }

    @Test func usageErrors() {
        #expect(parse(["-x"]) == nil)
        #expect(parse(["-c"]) == nil)
        #expect(parse(["run"]) == nil)
    }
}
