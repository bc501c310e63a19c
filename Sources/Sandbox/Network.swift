#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// Network namespace (network_namespaces(7)). A new one has only a loopback interface,
// and it is down: even 127.0.0.1 is unreachable until `net up lo`.

/// `net up IFACE`: IFF_UP via SIOCSIFFLAGS (netdevice(7)). Needs CAP_NET_ADMIN in the
/// namespace's owning user namespace. The validator refuses it without `unshare net`;
/// the child checks again, because bringing the host's interfaces up is not ours to do.
func childNetUp(_ interface: String, plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    guard plan.namespaces.contains(.net) else {
        throw SandboxFailure.setup("net", interface, Errno(EPERM), index: nil,
                                   reason: "refusing to change the host's network: the plan has no `unshare net`")
    }
    try kernel.attempt("net", "up \(interface)") { () throws(Errno) in try kernel.interfaceUp(interface) }
}
