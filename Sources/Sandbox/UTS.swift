#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// UTS namespace (uts_namespaces(7)): the hostname and NIS domain name.
//
// The validator already refuses `set hostname` without `unshare uts`; the child checks
// again where the work is done, as bubblewrap does ("refusing to set hostname in
// original namespace"), because renaming the host is the one mistake we cannot undo.

func childSetHostname(_ name: String, plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    try refuseOutsideNewUTS("sethostname", name, plan)
    try kernel.attempt("sethostname", name,
                       why: { childLookWhySethostnameFailed($0, call: "sethostname", plan: plan, kernel: kernel) }) {
        () throws(Errno) in try kernel.sethostname(name)
    }
}

func childSetDomainname(_ name: String, plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    try refuseOutsideNewUTS("setdomainname", name, plan)
    try kernel.attempt("setdomainname", name,
                       why: { childLookWhySethostnameFailed($0, call: "setdomainname", plan: plan, kernel: kernel) }) {
        () throws(Errno) in try kernel.setdomainname(name)
    }
}

private func refuseOutsideNewUTS(_ step: String, _ name: String, _ plan: Plan) throws(SandboxFailure) {
    guard plan.namespaces.contains(.uts) else {
        throw SandboxFailure.setup(step, name, Errno(EPERM), index: nil,
                                   reason: "refusing to rename the host: the plan has no `unshare uts`")
    }
}
