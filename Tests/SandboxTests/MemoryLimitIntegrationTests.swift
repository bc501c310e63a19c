import Testing
import TestSupport

/// A command the kernel's OOM killer ends inside `limit memory` is reported as that,
/// not as a bare status 137 (the cgroup's oom_kill counter, read before it is removed).
@Suite(.serialized, .needs(.sandbox))
struct MemoryLimitIntegrationTests {
    @Test(arguments: ["on", "off"])
    func theMemoryLimitIsNamedWhenItKills(initProcess: String) {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", """
                unshare pid mount; set init \(initProcess); limit memory 8m
                exec /bin/sh -c 'x=$(head -c 100000000 /dev/zero | tr "\\\\0" a); echo survived'
                """], marker: marker)
            #expect(run.status == 137)
            #expect(!run.stdout.contains("survived"))
            #expect(run.stderr.contains("its 'limit memory' of 8m was reached"), "\(run.stderr)")
            #expect(run.stderr.contains("OOM killer ended 1 process"), "\(run.stderr)")
        }
    }

    @Test func aKillFromOutsideIsNotBlamedOnTheLimit() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "limit memory 64m; exec /bin/sh -c 'kill -9 $$'"], marker: marker)
            #expect(run.status == 137)
            #expect(!run.stderr.contains("limit memory"), "\(run.stderr)")
        }
    }
}
