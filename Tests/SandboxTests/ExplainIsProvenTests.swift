import CFSLanguage
import Foundation
import Testing
import TestSupport
@testable import Sandbox

/// `explain` is proven against the kernel: every example runs under strace(1), and the
/// namespace, mount, root, hostname, id, capability, rlimit and exec calls strace
/// records must be exactly what `explain` lists for that exec, per process (parent,
/// child, command), in order, with the same arguments — nothing missing, nothing extra.
@Suite(.serialized, .needs(.sandbox), .needs(.strace))
struct ExplainIsProvenTests {
    /// The calls compared: what the plan's steps and the process model make.
    static let compared: Set<String> = [
        "clone3", "clone", "fork", "posix_spawn", "unshare", "setns", "mount", "umount2",
        "pivot_root", "chroot", "chdir", "sethostname", "setdomainname", "setresuid",
        "setresgid", "setgroups", "prlimit64", "capset", "prctl", "execve",
    ]

    struct Call: Equatable, CustomStringConvertible {
        var role: String
        var text: String
        var description: String { role + ": " + text }
    }

    @Test(arguments: TestHost.examples + ["+caps-and-limits", "+rootless-pivot", "+init-off-path-search"])
    func explainIsWhatStraceSees(example: String) throws {
        #expect(TestHost.examples.count >= 15, "the examples are found: \(TestHost.examples)")
        // The overlay lesson makes its layers next to the rootfs.
        defer { _ = TestHost.shell("rm -rf '\(TestHost.rootfs)-overlay'") }
        let script: [UInt8]
        let file: String
        let arguments = [TestHost.rootfs]
        if example.hasPrefix("+") {
            file = "<" + example + ">"
            script = Array(Self.extra[example]!.utf8)
        } else {
            file = TestHost.repository + "/examples/" + example
            script = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        }
        // What explain says, for each exec of the script, from the same compile the CLI runs.
        var context = ExpansionContext(arguments: arguments, scriptName: file, home: nil)
        context.lookup = { getenv($0).map { String(cString: $0) } }
        let fileName = file
        let compiled = compile(script, file: file, context: context,
                               onto: PlanBuilder(view: LinuxHost().startingView), host: LinuxHost())
        #expect(compiled.diagnostics.isEmpty, "\(compiled.diagnostics)")
        let explained: [[Call]] = compiled.actions.compactMap { action in
            // `verify` without a PID is a run of the plan with its `sleep` (Verify.swift).
            if case .verify(let plan, nil, let argv, _) = action {
                return Self.explainCalls(Sandbox.explain(plan, argv: argv))
            }
            guard case .exec(let plan, let argv, _) = action else { return nil }
            return Self.explainCalls(Sandbox.explain(plan, argv: argv))
        }
        // What the kernel saw.
        let traced = try withHostUnchangedReturning { marker in
            try Self.straceCalls(example.hasPrefix("+") ? ["-c", String(decoding: script, as: UTF8.self)] + arguments
                                                      : [file] + arguments, marker: marker)
        }
        #expect(traced.count == explained.count, "one sandbox per exec")
        // Each step's calls are under its heading, and the heading's place is that
        // step's line and column in the script.
        let source = String(decoding: script, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for action in compiled.actions {
            guard case .exec(let plan, let argv, _) = action else { continue }
            let lines = Sandbox.explain(plan, argv: argv)
            for (heading, calls) in Self.stepHeadings(lines) where heading != noStepHeading {
                let (file, line, column, text) = try #require(Self.parseHeading(heading), "\(heading)")
                #expect(file == fileName, "\(heading)")
                let written = source.indices.contains(line - 1) ? String(decoding: source[line - 1].utf8.dropFirst(column - 1), as: UTF8.self) : ""
                let word = text.split(separator: " ")[0]
                #expect(written.hasPrefix(word), "\(heading): the script has '\(written)' there")
                for call in calls { #expect(Self.made(call, by: text), "\(call) under \(heading)") }
            }
        }
        for (index, (said, done)) in zip(explained, traced).enumerated() {
            for role in ["parent", "child", "command"] {
                let s = said.filter { $0.role == role }
                let d = Self.resolvingSearches(done.filter { $0.role == role }, like: s)
                #expect(s == d, "exec #\(index + 1), \(role):\nexplain:\n\(s.map(\.text).joined(separator: "\n"))\nstrace:\n\(d.map(\.text).joined(separator: "\n"))")
            }
        }
    }

    /// Plans the examples do not cover: capabilities, rlimits, no_new_privs, a user
    /// namespace with pivot_root, a PATH search without an init.
    static let extra: [String: String] = [
        "+caps-and-limits": """
            unshare uts mount pid ipc
            set hostname c; set domainname d
            chroot "$1"; mount proc /proc; mount tmpfs /tmp size=1m,nosuid
            rlimit nofile 100:200; rlimit core unlimited; no_new_privs
            set user 0:0; cap drop net_raw
            exec /bin/true
            """,
        "+rootless-pivot": """
            unshare user mount pid
            mount proc "$1/proc"; pivot_root "$1"; chdir /
            exec /bin/true
            """,
        "+init-off-path-search": """
            unshare pid; set init off; set env PATH=/nowhere:/usr/bin:/bin
            exec true
            """,
    ]

    // MARK: - explain's side

    /// explain's lines as (heading, the calls under it), for the calls after a heading.
    static func stepHeadings(_ lines: [String]) -> [(String, [String])] {
        var blocks: [(String, [String])] = []
        for line in lines {
            if line.hasPrefix("# ") { blocks.append((line, [])) } else if !blocks.isEmpty { blocks[blocks.count - 1].1.append(line) }
        }
        return blocks
    }

    /// `# FILE:LINE:COL TEXT`; the file may hold colons (`<command line>` does not).
    static func parseHeading(_ heading: String) -> (String, Int, Int, String)? {
        let body = heading.dropFirst(2)
        guard let space = body.firstIndex(of: " ") else { return nil }
        let place = body[..<space].split(separator: ":")
        guard place.count >= 3, let line = Int(place[place.count - 2]), let column = Int(place[place.count - 1]) else { return nil }
        return (place.dropLast(2).joined(separator: ":"), line, column, String(body[body.index(after: space)...]))
    }

    /// Whether a call is one the step `text` (canonical) makes: its own calls and what
    /// the child does to guard them (the first mounting step also makes `/` private).
    static func made(_ call: String, by text: String) -> Bool {
        guard let colon = call.range(of: ": ") else { return false }
        var name = String(call[colon.upperBound...].prefix { $0 != "(" })
        // `set trace on`: the step's own calls, each printed before it is made.
        if let traced = call.range(of: #"write(2, "+ "#) { name = String(call[traced.upperBound...].prefix { $0 != "(" }) }
        let expected: Set<String>
        switch text.split(separator: " ")[0] {
        case "set" where text.hasPrefix("set hostname "): expected = ["sethostname"]
        case "set" where text.hasPrefix("set domainname "): expected = ["setdomainname"]
        case "chroot": expected = ["chroot", "chdir"]
        case "chdir": expected = ["chdir"]
        case "pivot_root": expected = ["mount", "chdir", "pivot_root", "umount2"]
        case "mount": expected = ["mount", "readlink", "openat2", "statvfs", "open_tree", "move_mount", "mkdir", "symlink", "open", "close"]
        case "umount": expected = ["umount2"]
        case "rlimit": expected = ["prlimit64"]
        case "no_new_privs": expected = ["prctl"]
        case "cap": expected = ["prctl", "capget", "capset"]
        case "net": expected = ["ioctl"]
        default: expected = []
        }
        if call.hasSuffix(#"mount(NULL, "/", NULL, MS_REC|MS_PRIVATE, NULL)"#) || call.contains(#"+ mount(NULL, \"/\", NULL, MS_REC|"#) {
            return ["mount", "umount", "pivot_root"].contains(text.split(separator: " ")[0])
        }
        return expected.contains(name)
    }

    static func explainCalls(_ lines: [String]) -> [Call] {
        var calls: [Call] = []
        for line in lines {
            // `# FILE:LINE:COL STEP`: the step the calls below were made for (stepHeadings).
            if line.hasPrefix("# ") { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let role = String(line[..<colon])
            var text = String(line[line.index(colon, offsetBy: 2)...])
            if text.contains("execve(...) of each PATH entry (") {
                // The collapsed misses of a PATH search: one failed execve per entry.
                let count = Int(text.split(separator: "(")[2].split(separator: " ")[0]) ?? 0
                calls += Array(repeating: Call(role: role, text: "execve(miss)"), count: count)
                continue
            }
            guard let name = text.split(separator: "(").first.map(String.init), compared.contains(name) else { continue }
            if text.hasSuffix(" = -1 ENOENT") || text.hasSuffix(" = -1 ENOTDIR"), name == "execve" {
                calls.append(Call(role: role, text: "execve(miss)"))
                continue
            }
            if text.hasPrefix("execve(each PATH entry + \"/"), let end = text.range(of: "], ENV)") {
                // A PATH search in a root not known before running: strace's misses and
                // the execve that ran are compared with it (`resolvingSearches`).
                let name = text.dropFirst(27).prefix { $0 != "\"" }
                let rest = text[text.index(text.startIndex, offsetBy: 27 + name.count + 3)..<end.upperBound]
                calls.append(Call(role: role, text: "execve(search \"" + name + "\", " + rest))
                continue
            }
            if let result = text.range(of: ") = ", options: .backwards) { text = String(text[..<result.lowerBound]) + ")" }
            switch name {
            case "posix_spawn": text = "posix_spawn"
            case "fork": text = "fork"
            case "clone3": text = "clone3(" + flagSet(String(text.dropFirst(7).dropLast())) + ")"
            case "capget": continue
            default: break
            }
            calls.append(Call(role: role, text: text))
        }
        return calls
    }

    /// Flag names as a sorted set: strace and explain may order them differently.
    static func flagSet(_ flags: String) -> String {
        flags.split(separator: "|").map(String.init).sorted().joined(separator: "|")
    }

    /// Where explain says a PATH search it cannot resolve (`execve(search "NAME", ARGV,
    /// ENV)`), strace's misses and the execve of `…/NAME` that ran are that search.
    static func resolvingSearches(_ done: [Call], like said: [Call]) -> [Call] {
        let searches = said.filter { $0.text.hasPrefix("execve(search \"") }
        guard !searches.isEmpty else { return done }
        var result: [Call] = []
        var misses: [Call] = []
        for call in done {
            if call.text == "execve(miss)" { misses.append(call); continue }
            if call.text.hasPrefix("execve(\""), let search = searches.first(where: { search in
                let name = search.text.dropFirst(15).prefix { $0 != "\"" }
                return call.text.contains("/" + name + "\", [")
            }), let argv = call.text.range(of: "\", [") {
                let name = search.text.dropFirst(15).prefix { $0 != "\"" }
                result.append(Call(role: call.role, text: "execve(search \"" + name + "\", [" + call.text[argv.upperBound...]))
                misses = []
                continue
            }
            result += misses
            misses = []
            result.append(call)
        }
        return result + misses
    }

    // MARK: - strace's side

    struct Line {
        var name: String
        var args: String
        var result: String
    }

    /// Runs cfsh under `strace -ff`, one file per process, and turns what it saw into
    /// the same calls per sandbox (one list per top-level clone3 of the parent).
    static func straceCalls(_ arguments: [String], marker: String) throws -> [[Call]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfsh-strace-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let names = compared.subtracting(["fork", "posix_spawn"]).sorted().joined(separator: ",")
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let status = TestHost.shell("cd '\(TestHost.repository)' && CFSH_SANDBOX_TEST='\(marker)' strace --pidns-translation -ff -qq -s 65536 -e trace=\(names) -o '\(dir)/t' '\(TestHost.cfsh)' \(quoted) >/dev/null 2>&1 </dev/null")
        #expect(status == 0, "cfsh under strace exited \(status)")
        var lines: [Int32: [Line]] = [:]
        for entry in try FileManager.default.contentsOfDirectory(atPath: dir) {
            guard let pid = Int32(entry.dropFirst(2)) else { continue }
            lines[pid] = TestHost.read(dir + "/" + entry).split(separator: "\n").compactMap(parse)
        }
        var cloned: [Int32: (by: Int32, line: Line)] = [:]
        for (pid, calls) in lines {
            for call in calls where ["clone3", "clone", "vfork", "fork"].contains(call.name) {
                if let child = Int32(call.result) { cloned[child] = (pid, call) }
            }
        }
        // The parent: the process that started as cfsh.
        let start = "\"" + TestHost.cfsh + "\""
        // (Not a cfsh the sandbox's command started: step6 runs one.)
        guard let parent = lines.first(where: {
            cloned[$0.key] == nil && $0.value.first?.name == "execve" && $0.value.first!.args.hasPrefix(start)
        })?.key
        else { Issue.record("no cfsh process in strace's output"); return [] }
        var sandboxes: [[Call]] = []
        for call in lines[parent] ?? [] {
            if call.name == "execve" || call.name == "prlimit64" && call.args.hasSuffix(", NULL, NULL") { continue }
            // `verify`'s helper, forked to read the sandbox's hostname in its UTS namespace
            // (cfs_uts_names): a look from the host, not part of the run explain describes.
            if call.name == "clone" { continue }
            guard call.name == "clone3", let child = Int32(call.result) else {
                if let text = normalised(call) { sandboxes[sandboxes.count - 1].append(Call(role: "parent", text: text)) }
                continue
            }
            var calls = [Call(role: "parent", text: normalised(call)!)]
            calls += childCalls(child, lines: lines, cloned: cloned)
            sandboxes.append(calls)
        }
        return sandboxes
    }

    /// The re-executed child's calls until the command runs in it (`set init off`), and
    /// the command's execve(s) in the process it starts; the command's own calls after
    /// its execve are the command's business, not cfsh's.
    static func childCalls(_ child: Int32, lines: [Int32: [Line]], cloned: [Int32: (by: Int32, line: Line)]) -> [Call] {
        var calls: [Call] = []
        var execs = 0
        let role = "child"
        for call in lines[child] ?? [] {
            if call.name == "execve" {
                // The re-exec, then (without an init) the command's PATH search and execve
                // in this same process, which explain lists as the child's.
                calls.append(Call(role: role, text: call.result.hasPrefix("-1") ? "execve(miss)" : normalised(call)!))
                if !call.result.hasPrefix("-1") { execs += 1 }
                if execs == 2 { break }
                continue
            }
            if ["clone3", "clone"].contains(call.name), let command = Int32(call.result) {
                calls.append(Call(role: "child", text: call.args.contains("CLONE_VFORK") ? "posix_spawn" : "fork"))
                // The command's process: `set user`'s calls between fork and execve,
                // then its PATH search; what the command does after is its own.
                for commandCall in lines[command] ?? [] {
                    if commandCall.name == "execve" {
                        calls.append(Call(role: "command", text: commandCall.result.hasPrefix("-1") ? "execve(miss)" : normalised(commandCall)!))
                        if !commandCall.result.hasPrefix("-1") { break }
                    } else if let text = normalised(commandCall) {
                        calls.append(Call(role: "command", text: text))
                    }
                }
                continue
            }
            if let text = normalised(call) { calls.append(Call(role: role, text: text)) }
        }
        return calls
    }

    /// `NAME(ARGS)   = RESULT` from one line of strace's output. A pid a process in a
    /// PID namespace gets back is given in strace's namespace too (--pidns-translation:
    /// `= 2 /* 19669 in strace's PID NS */`): that one names the process's file.
    static func parse(_ line: Substring) -> Line? {
        guard let open = line.firstIndex(of: "("), let equals = line.range(of: " = ", options: .backwards) else { return nil }
        var head = line[..<equals.lowerBound]
        while head.last == " " { head.removeLast() }
        guard head.last == ")", open < head.endIndex else { return nil }
        let after = line[equals.upperBound...]
        var result = after.split(separator: " ").first.map(String.init) ?? ""
        if let translated = after.range(of: "/* ") {
            result = after[translated.upperBound...].split(separator: " ").first.map(String.init) ?? result
        }
        return Line(name: String(line[..<open]), args: String(line[line.index(after: open)..<head.index(before: head.endIndex)]),
                    result: result)
    }

    /// strace's text in explain's spelling, for the calls compared; nil for the others
    /// (the runtime's own prlimit64 reads, prctl(PR_GET_NAME), ...).
    static func normalised(_ call: Line) -> String? {
        var args = call.args
        switch call.name {
        case "clone3":
            // {flags=A|B, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 88
            var flags: [String] = []
            for field in args.dropFirst().split(separator: "}")[0].split(separator: ", ") {
                if field.hasPrefix("flags="), field != "flags=0" { flags += field.dropFirst(6).split(separator: "|").map(String.init) }
                if field.hasPrefix("exit_signal=") { flags.append(String(field.dropFirst(12))) }
            }
            return "clone3(" + flagSet(flags.joined(separator: "|")) + ")"
        case "sethostname", "setdomainname":
            args = String(args[..<args.range(of: ", ", options: .backwards)!.lowerBound])
        case "setgroups":
            args = String(args[args.range(of: ", ")!.upperBound...])
        case "execve":
            args = String(args[..<args.range(of: "], ", options: .backwards)!.lowerBound]) + "], ENV"
        case "prlimit64":
            if args.hasSuffix(", NULL, NULL") || args.contains(", NULL, {") { return nil }  // reads
            args = expandProducts(args)
        case "prctl":
            guard args.hasPrefix("PR_CAPBSET_DROP") || args.hasPrefix("PR_SET_NO_NEW_PRIVS") || args.hasPrefix("PR_CAP_AMBIENT")
                    || args.hasPrefix("PR_SET_PDEATHSIG")
            else { return nil }
            while args.hasSuffix(", 0") { args.removeLast(3) }
        case "capset":
            return "capset(" + capabilitySets(args) + ")"
        default:
            break
        }
        return call.name + "(" + args + ")"
    }

    /// strace writes 8388608 as 8192*1024.
    static func expandProducts(_ text: String) -> String {
        var out = ""
        for token in text.split(separator: " ", omittingEmptySubsequences: false) {
            let parts = token.split(separator: "*")
            if parts.count == 2, let a = UInt64(parts[0].drop { !$0.isNumber }), let b = UInt64(parts[1].prefix { $0.isNumber }) {
                let head = parts[0].prefix { !$0.isNumber }
                let tail = parts[1].drop { $0.isNumber }
                out += (out.isEmpty ? "" : " ") + head + String(a * b) + tail
            } else {
                out += (out.isEmpty ? "" : " ") + token
            }
        }
        return out
    }

    /// `{version=..., pid=0}, {effective=1<<CAP_CHOWN|..., permitted=..., inheritable=0}`
    /// as explain writes it: `effective=0x..., permitted=0x..., inheritable=0x...`.
    static func capabilitySets(_ args: String) -> String {
        let sets = args[args.range(of: "}, {")!.upperBound...].dropLast()
        return sets.split(separator: ", ").map { field -> String in
            let parts = field.split(separator: "=", maxSplits: 1)
            var mask: UInt64 = 0
            for bit in parts[1].split(separator: "|") where bit != "0" {
                let name = bit.dropFirst(3 + 4).lowercased()  // "1<<CAP_"
                if let n = Capability.names.firstIndex(of: name) { mask |= 1 << UInt64(n) }
            }
            return parts[0] + "=0x" + String(mask, radix: 16)
        }.joined(separator: ", ")
    }
}

/// withHostUnchanged, giving back what the body made.
func withHostUnchangedReturning<T>(_ body: (String) throws -> T) throws -> T {
    var result: T?
    try withHostUnchanged { marker in result = try body(marker) }
    return result!
}
