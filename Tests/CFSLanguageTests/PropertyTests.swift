import Testing
@testable import CFSLanguage

/// A small seeded PRNG, so a failure is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random plan commands, valid or not: the builder keeps the valid ones.
struct PlanGenerator {
    var rng: SplitMix64

    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    mutating func bool() -> Bool { rng.next() & 1 == 1 }

    /// Words with everything that needs quoting: blanks, quotes, $, \, #, ~, newlines, non-ASCII.
    mutating func text(allowEmpty: Bool = true) -> String {
        let parts: [String] = ["a", "Z", "0", "/", ".", "-", "_", " ", "\t", "'", "\"", "$", "${X}", "\\", "#", "~", ";",
                     "\n", "\r\n", "é", "日", "=", ",", ":", "|", "&", "*", "?", "!", "{", "}", "`", "(", "%"]
        let n = int(8) + (allowEmpty ? 0 : 1)
        return (0..<n).map { _ in pick(parts) }.joined()
    }

    mutating func path() -> String {
        let base: String = pick(["/", "/proc", "/mnt/x", "rootfs", "./r", "/tmp/a b"])
        return bool() ? base : base + text(allowEmpty: false)
    }

    mutating func id() -> UInt32 {
        let random = UInt32(truncatingIfNeeded: rng.next() % 100_000)
        let ids: [UInt32] = [0, 1, 1000, 65534, UInt32.max - 2, random]
        return pick(ids)
    }

    mutating func command() -> PlanCommand {
        switch int(20) {
        case 0: return .unshare(List((0..<(1 + int(3))).map { _ in pick(Namespace.allCases) }))
        case 1: return .map(pick([.uid, .gid]), IDMap(inside: id() % 200_000, outside: id() % 200_000, count: 1 + UInt32(int(3))))
        case 2:
            let pids = 1 + rng.next() % 4_194_304
            let memory = (1 << 20) + rng.next() % (1 << 40)
            let cpu = 1 + rng.next() % 1_024_000
            let limits: [PlanCommand.LimitSetting] = [.pids(pids), .memoryBytes(memory), .cpuMillis(cpu)]
            return .limit(pick(limits))
        case 3: return .setTrace(bool())
        case 4: return .setInit(bool())
        case 5: return .setUser(UserIDs(uid: id(), gid: bool() ? id() : nil))
        case 6: return .step(.setHostname(String(text(allowEmpty: false).utf8.prefix(60))!))
        case 7: return .step(.setDomainname(String(text(allowEmpty: false).utf8.prefix(60))!))
        case 8: return .step(.setEnv(name: pick(["A", "PATH", "_x1"]), value: text()))
        case 9: return .step(bool() ? .unsetEnv(pick(["A", "HOME"])) : .clearEnv)
        case 10: return .step(.mount(mount()))
        case 11: return .step(.umount(target: path()))
        case 12: return .step(.chroot(path()))
        case 13: return .step(.pivotRoot(path()))
        case 14: return .step(.chdir(path()))
        case 15:
            let soft: UInt64? = bool() ? nil : rng.next() % 100_000
            let hard: UInt64? = bool() ? nil : (soft ?? 0) + rng.next() % 10
            return .step(.rlimit(ResourceLimit(name: pick(ResourceLimit.Name.allCases), soft: soft, hard: soft == nil ? nil : hard)))
        case 16, 17:
            let caps: Capabilities = bool() ? .all
                : .some(Set((0..<(1 + int(4))).map { _ in int(Capability.names.count) }).sorted().map(Capability.init(number:)))
            return .step(int(17) == 0 ? .capDrop(caps) : .capKeep(caps))
        case 18: return .step(.noNewPrivs)
        default: return .step(.netUp(interface: pick(["lo", "eth0", "veth-1"])))
        }
    }

    mutating func mount() -> Mount {
        let kind = pick(Mount.Kind.allCases)
        var options: [String] = []
        for _ in 0..<int(3) { options.append(pick(MountFlag.allCases.map(\.rawValue))) }
        switch kind {
        case .tmpfs, .dev: if bool() { options.append("size=" + pick(["1m", "64m", "50%"])) }
        case .overlay:
            // A read-only overlay needs two lower layers (MountOptions.checkOverlay).
            let upper = bool()
            options.append("lowerdir=" + (upper ? pick(["/l", "/a:/b"]) : "/a:/b"))
            if upper { options += ["upperdir=/u", "workdir=/w"] }
        default: break
        }
        let source: String? = (kind == .bind || kind == .rbind) ? path() : nil
        return Mount(kind: kind, source: source, target: path(), options: options)
    }
}

@Suite struct PropertyTests {
    /// canonicalText → parseScript → PlanBuilder gives an equal plan, and the text is a
    /// fixed point. (The run encoding's round trip: SandboxTests/RunTextTests.)
    @Test func canonicalTextRoundTrips() throws {
        var gen = PlanGenerator(rng: SplitMix64(seed: 0xCF5))
        let at = SourceLocation(file: "gen", line: 1, column: 1)
        var nonTrivial = 0
        for _ in 0..<3000 {
            var b = PlanBuilder()
            if gen.bool() { _ = b.add(.unshare(List(Namespace.allCases)), at: at, host: nil) }
            for _ in 0..<gen.int(15) {
                // A command with a problem is tried on a copy and dropped, as compile does.
                var trial = b
                if trial.add(gen.command(), at: at, host: nil).isEmpty { b = trial }
            }
            let plan = b.plan
            if !plan.steps.isEmpty { nonTrivial += 1 }
            let text = plan.canonicalText
            let script = parseScript(Array(text.utf8), file: "show", context: ExpansionContext())
            #expect(script.diagnostics.isEmpty, "\(text)")
            var again = PlanBuilder()
            for c in script.commands {
                guard case .plan(let p) = c.kind else { Issue.record("not a plan command in \(text)"); continue }
                let problems = again.add(p, at: c.location, host: nil)
                #expect(problems.isEmpty, "\(problems) in \(text)")
            }
            #expect(again.plan == plan, "\(text)")
            #expect(again.plan.canonicalText == text)
        }
        #expect(nonTrivial > 1000)
    }

    /// Undo takes back exactly the last accepted command: after any mix of adds and
    /// undos, the builder behaves as one that only saw the commands still in place.
    @Test func undoMatchesReplay() {
        var gen = PlanGenerator(rng: SplitMix64(seed: 0x0DD))
        let at = SourceLocation(file: "gen", line: 1, column: 1)
        let host = FakeHost(files: ["/": .directory, "/proc": .directory, "/rootfs": .directory])
        for _ in 0..<500 {
            var b = PlanBuilder(view: host.startingView)
            var kept: [PlanCommand] = []
            for _ in 0..<gen.int(30) {
                if gen.int(4) == 0 {
                    let undone = b.undo()
                    #expect(undone == !kept.isEmpty)
                    if undone { kept.removeLast() }
                } else {
                    var reference = PlanBuilder(view: host.startingView)
                    for c in kept { _ = reference.add(c, at: at, host: host) }
                    let c = gen.int(3) == 0 ? PlanCommand.unshare(List(Namespace.allCases)) : gen.command()
                    // As compile and the shell use it: a command with a problem is
                    // tried on a copy, which is dropped.
                    var trial = b
                    let accepted = trial.add(c, at: at, host: host).isEmpty
                    #expect(accepted == reference.add(c, at: at, host: host).isEmpty, "\(kept) + \(c)")
                    if accepted {
                        b = trial
                        kept.append(c)
                    }
                }
                var reference = PlanBuilder(view: host.startingView)
                for c in kept { _ = reference.add(c, at: at, host: host) }
                #expect(b.plan == reference.plan)
                #expect(b.view == reference.view)
                #expect(b.isEmpty == kept.isEmpty)
            }
        }
    }
}
