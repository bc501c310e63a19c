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

    /// The checker, the lint and `explain` ask for the working directory through
    /// LinuxHost.startingView; getcwd(2) is called once per process (it was four times per
    /// check), so a start makes the same calls as the floor (scripts/floor/compare).
    @Test(.needs(.strace)) func checkingAScriptAsksForTheWorkingDirectoryOnce() throws {
        try requireHost(.strace)
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-cwd-\(getpid()).trace").path
        defer { try? FileManager.default.removeItem(atPath: trace) }
        let (status, _) = try spawnWithCleanSignals(
            ["/usr/bin/strace", "-f", "-qq", "-e", "trace=getcwd", "-o", trace, TestHost.cfsh, "-n", "-c",
             "unshare uts pid mount; set hostname c; chroot /; mount proc /proc; exec /bin/true"], capture: false)
        #expect(status == 0, "wait status \(status)")
        let calls = TestHost.read(trace).split(separator: "\n").filter { $0.contains("getcwd(") }
        #expect(calls.count == 1, "getcwd calls: \(calls)")
    }

    /// scripts/build's -disable-type-layout: values of cfsh's own types (Diagnostic?,
    /// LexedCommand?, an optional `HostFacts`, big tuples) are copied and destroyed by
    /// code the compiler writes for each type, not through the value witnesses of their
    /// type metadata, so checking a script never asks Swift's runtime to build the
    /// metadata of an `Optional`, an `Array` or an existential (and with the first of
    /// them, to register every specialisation the standard library ships for it). gdb(1)
    /// stops at each generic metadata request of `cfsh -n` and names the type asked for.
    /// Not even the standard library's own `Optional`: checking a script frees no String
    /// of 64 bytes or more, whose `_StringBreadcrumbs?` would be destroyed through the
    /// runtime (warnings are rendered as bytes, the compilation is kept until exit).
    @Test(.needs(.gdb)) func checkingAScriptAsksForNoOptionalArrayOrExistentialMetadata() throws {
        try requireHost(.releaseBinary)
        try requireHost(.gdb)
        let commands = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-metadata-\(getpid()).gdb").path
        defer { try? FileManager.default.removeItem(atPath: commands) }
        // _swift_getGenericMetadata(request, arguments, descriptor): the System V
        // x86-64 calling convention puts the arguments in rdi, rsi, rdx.
        try """
            set pagination off
            set confirm off
            break _swift_getGenericMetadata
            commands
            silent
            printf "request\\n"
            info symbol $rdx
            info symbol *(void**)$rsi
            continue
            end
            break swift_getExistentialTypeMetadata
            commands
            silent
            printf "existential\\n"
            continue
            end
            run

            """.write(toFile: commands, atomically: true, encoding: .utf8)
        // spawnWithCleanSignals: gdb that inherits the test runner's blocked SIGCHLD
        // never sees its inferior stop.
        let (status, text) = try spawnWithCleanSignals(
            ["/usr/bin/gdb", "-q", "-batch", "-x", commands, "--args", TestHost.cfsh, "-n", "-c",
             "unshare uts pid mount; set hostname c; chroot /; mount proc /proc; exec /bin/true"])
        #expect(status == 0, "gdb's wait status: \(status)")
        let lines = text.split(separator: "\n").map(String.init)
        var requests: [(descriptor: String, argument: String)] = []
        for (index, line) in lines.enumerated() where line == "request" && index + 2 < lines.count {
            func name(_ line: String) -> String { String(line.split(separator: " ").first ?? "") }
            requests.append((name(lines[index + 1]), name(lines[index + 2])))
        }
        // The check can fail: gdb saw the arrays the checker does make.
        #expect(requests.contains { $0.descriptor == "$ss23_ContiguousArrayStorageCMn" },
                "gdb saw no metadata request: \(lines.prefix(5))")
        #expect(!lines.contains("existential"), "an existential's metadata was asked for")
        let arrays = requests.filter { $0.descriptor == "$sSaMn" }
        #expect(arrays.isEmpty, "Array metadata asked for: \(arrays.map(\.argument))")
        let optionals = requests.filter { $0.descriptor == "$sSqMn" }
        #expect(optionals.isEmpty, "Optional metadata asked for: \(optionals.map(\.argument))")
    }

    /// A whole sandbox start, parent and re-executed child, asks Swift's runtime to build
    /// no type metadata of its own (issue 13): no array storage class for an element type
    /// of cfsh's (the start path keeps those in CFSLanguage's List), no tuple, no
    /// existential, no type found by name (the breadcrumbs of a freed long String), no
    /// conformance scan. perf(1)'s uprobes on a copy of the release binary count every
    /// call of those runtime entry points in every process of the run; the arrays of the
    /// standard library's own element types ([String], [UInt8]), whose metadata it ships,
    /// are what may still be asked for, and seeing them in two processes is the check
    /// that the probes fire at all.
    @Test(.needs(.perf)) func aSandboxStartBuildsNoTypeMetadataOfItsOwn() throws {
        try requireHost(.perf)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-uprobes-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Probes sit on a file's inode: a copy keeps them off every other cfsh run.
        let binary = directory + "/cfsh"
        try FileManager.default.copyItem(atPath: TestHost.cfsh, toPath: binary)
        let group = "cfshtest\(getpid())"
        let entries = [
            "built": "swift_allocateGenericClassMetadata",
            "byname": "swift_getTypeByMangledName",
            "bynamecontext": "swift_getTypeByMangledNameInContext2",
            "tuple": "swift_getTupleTypeMetadata",
            "tuple2": "swift_getTupleTypeMetadata2",
            "tuple3": "swift_getTupleTypeMetadata3",
            "existential": "swift_getExistentialTypeMetadata",
            "conformance": "swift_conformsToProtocolCommon",
            "shipped": "swift_getCanonicalPrespecializedGenericMetadata",
        ]
        defer { _ = TestHost.shell("/usr/bin/perf probe -q -d '\(group):*' >/dev/null 2>&1") }
        for (event, function) in entries {
            // The dummy argument makes perf place the probe by symbol alone (the static
            // binary has no DWARF for the runtime).
            let added = TestHost.shell("/usr/bin/perf probe -q -x '\(binary)' -a '\(group):\(event)=\(function) a=%di:u64' >/dev/null 2>&1")
            #expect(added == 0, "perf probe \(function): status \(added)")
        }
        let recording = directory + "/perf.data"
        let script = "unshare uts pid mount; set hostname c; chroot \(TestHost.rootfs); mount proc /proc; exec /bin/true"
        withHostUnchanged(requiring: .perf) { _ in
            let run = TestHost.run(argv: ["/usr/bin/perf", "record", "-q", "-e", "\(group):*", "-o", recording, "--",
                                          binary, "-c", script], newSession: false)
            #expect(run.status == 0, "perf record of a sandbox start: \(run.status) \(run.stderr)")
        }
        let listed = TestHost.run(argv: ["/usr/bin/perf", "script", "-i", recording, "-F", "pid,event"], newSession: false)
        var calls: [String: [String: Int]] = [:]  // event -> pid -> count
        for line in listed.stdout.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let colon = fields[1].lastIndex(of: ":") else { continue }
            let event = String(fields[1][..<colon].split(separator: ":").last ?? "")
            calls[event, default: [:]][String(fields[0]), default: 0] += 1
        }
        #expect((calls["shipped"] ?? [:]).count == 2,
                "the probes saw no standard library array in both the parent and the child: \(calls) \(listed.stderr)")
        for (event, function) in entries where event != "shipped" {
            #expect(calls[event] == nil, "\(function) was called during a sandbox start (calls by process ID): \(calls[event] ?? [:])")
        }
    }
}
