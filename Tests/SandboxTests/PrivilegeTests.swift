import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// rlimit, cap and no_new_privs against the recording double.
@Suite struct PrivilegeTests {
    let all: UInt64 = (1 << 41) - 1

    func caps(_ names: [String]) -> Capabilities {
        .some(names.map { Capability(number: Capability.names.firstIndex(of: $0)!) })
    }

    @Test func stepsApplyInTheOrderWritten() {
        let plan = makePlan([.uts], [
            .rlimit(ResourceLimit(name: .nofile, soft: 100, hard: 200)), .noNewPrivs,
            .rlimit(ResourceLimit(name: .core, soft: nil, hard: nil)), .setHostname("c"),
        ])
        let result = apply(plan)
        #expect(result.failure == nil)
        #expect(result.calls == [
            "prlimit64(0, RLIMIT_NOFILE, {rlim_cur=100, rlim_max=200}, NULL)",
            "prctl(PR_SET_NO_NEW_PRIVS, 1)",
            "prlimit64(0, RLIMIT_CORE, {rlim_cur=RLIM64_INFINITY, rlim_max=RLIM64_INFINITY}, NULL)",
            #"sethostname("c")"#,
        ])
    }

    @Test func capDropTakesTheBoundingSetFirstThenEffectivePermittedInheritableThenAmbient() {
        let result = apply(makePlan([], [.capDrop(caps(["sys_admin", "net_raw"]))]))
        #expect(result.failure == nil)
        let rest = all & ~(1 << 21 | 1 << 13)
        #expect(result.calls == [
            "prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN)", "prctl(PR_CAPBSET_DROP, CAP_NET_RAW)",
            "capget()",
            "capset(effective=0x\(String(rest, radix: 16)), permitted=0x\(String(rest, radix: 16)), inheritable=0x0)",
            "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)",
        ])
    }

    @Test func capDropAllAndCapKeep() {
        let dropAll = apply(makePlan([], [.capDrop(.all)])).calls
        #expect(dropAll.filter { $0.hasPrefix("prctl(PR_CAPBSET_DROP") }.count == Capability.names.count)
        #expect(dropAll.contains("capset(effective=0x0, permitted=0x0, inheritable=0x0)"))
        let keep = apply(makePlan([], [.capKeep(caps(["chown", "kill"]))])).calls
        #expect(keep.filter { $0.hasPrefix("prctl(PR_CAPBSET_DROP") }.count == Capability.names.count - 2)
        #expect(!keep.contains("prctl(PR_CAPBSET_DROP, CAP_CHOWN)"))
        #expect(keep.contains("capset(effective=0x21, permitted=0x21, inheritable=0x0)"))
    }

    @Test func aCapabilityTheKernelLacksIsSkippedUnlessNamed() {
        // The 41st capability (checkpoint_restore) unknown to an older kernel: EINVAL.
        let all = apply(makePlan([], [.capDrop(.all)])) {
            $0.fail("prctl", with: EINVAL, occurrence: Capability.names.count)
        }
        #expect(all.failure == nil)
        let named = apply(makePlan([], [.chdir("/"), .capDrop(caps(["checkpoint_restore"]))])) {
            $0.fail("prctl", with: EINVAL)
        }
        #expect(named.failure?.stepIndex == 1)
        #expect(named.failure?.message == "cap: bounding set: CAP_CHECKPOINT_RESTORE: Invalid argument")
        #expect(!named.calls.contains { $0.hasPrefix("capset") })
    }

    @Test func failuresNameTheStep() {
        let cases: [(Step, String, String)] = [
            (.rlimit(ResourceLimit(name: .nofile, soft: nil, hard: nil)), "prlimit64",
             "rlimit: nofile: Operation not permitted"),
            (.noNewPrivs, "prctl", "no_new_privs: prctl: Operation not permitted"),
            (.capDrop(caps(["kill"])), "capset", "cap: capset: Operation not permitted"),
            (.capDrop(caps(["kill"])), "capget", "cap: capget: Operation not permitted"),
            (.capDrop(caps(["kill"])), "prctl", "cap: bounding set: CAP_KILL: Operation not permitted"),
        ]
        for (step, syscall, message) in cases {
            let result = apply(makePlan([], [step, .chdir("/after")])) { $0.fail(syscall, with: EPERM) }
            #expect(result.failure?.stepIndex == 0)
            #expect(result.failure?.message == message, "\(step)")
            #expect(!result.calls.contains(#"chdir("/after")"#))
        }
    }

    @Test func explainShowsThem() {
        let lines = Sandbox.explain(makePlan([], [.noNewPrivs, .capDrop(caps(["kill"]))]), argv: ["/bin/true"])
        #expect(lines.contains("child: prctl(PR_SET_NO_NEW_PRIVS, 1)"))
        #expect(lines.contains("child: prctl(PR_CAPBSET_DROP, CAP_KILL)"))
    }
}
