import Testing
import TestSupport

/// The order the checker asks for (cap steps after what needs their capabilities) is
/// the order that works, for real; the refused orders fail in the kernel with EPERM
/// (shown by the engine's messages `sethostname: x: Operation not permitted`, …, before
/// the checker learnt the rule — README, "The language").
@Suite(.serialized, .needs(.sandbox))
struct CapabilityOrderIntegrationTests {
    @Test func capStepsLastWork() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", """
                unshare uts mount; set hostname c; mount tmpfs /mnt; cap drop all
                exec /bin/sh -c 'hostname; grep -E "^Cap(Eff|Bnd)" /proc/self/status'
                """], marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines == ["c", "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000"])
        }
    }

    @Test func setUserWithSetuidAndSetgidKept() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "set user 1000:1000; cap drop sys_admin net_raw; exec /usr/bin/id -u"], marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines == ["1000"])
        }
    }

    @Test func theRefusedOrderRunsNothing() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare uts; cap drop sys_admin; set hostname x; exec /bin/true"], marker: marker)
            #expect(run.status == 2)
            #expect(run.stderr.contains("'set hostname' needs CAP_SYS_ADMIN"), "\(run.stderr)")
        }
    }
}
