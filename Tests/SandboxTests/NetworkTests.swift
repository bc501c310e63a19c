import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// `net up` against the recording double.
@Suite struct NetworkTests {
    @Test func loopbackUpIsOneSIOCSIFFLAGSInOrder() {
        let result = apply(makePlan([.net, .uts], [.setHostname("c"), .netUp(interface: "lo"), .chdir("/")]))
        #expect(result.failure == nil)
        #expect(result.calls == [
            #"sethostname("c")"#,
            #"ioctl(socket(AF_INET, SOCK_DGRAM), SIOCSIFFLAGS, {ifr_name="lo", ifr_flags|=IFF_UP})"#,
            #"chdir("/")"#,
        ])
    }

    @Test func withoutANetworkNamespaceNothingIsCalled() {
        let result = apply(makePlan([.uts], [.netUp(interface: "lo")]))
        #expect(result.calls.isEmpty)
        #expect(result.failure?.errno == EPERM)
        #expect(result.failure?.message == "net: lo: refusing to change the host's network: the plan has no `unshare net`")
    }

    @Test func aMissingInterfaceIsReportedAndStopsTheLoop() {
        let result = apply(makePlan([.net], [.netUp(interface: "eth9"), .chdir("/x")])) {
            $0.fail("ioctl", with: ENODEV)
        }
        #expect(result.failure?.stepIndex == 0)
        #expect(result.failure?.message == "net: up eth9: No such device")
        #expect(!result.calls.contains(#"chdir("/x")"#))
    }

    @Test func explainShowsIt() {
        let lines = Sandbox.explain(makePlan([.net], [.netUp(interface: "lo")]), argv: ["/bin/true"])
        #expect(lines.contains { $0.hasPrefix("child: ioctl(") && $0.contains("IFF_UP") })
    }
}
