#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// UTS namespace (uts_namespaces(7)): the hostname and NIS domain name.
//
// The validator already refuses `set hostname` without `unshare uts`; the child checks
// again where the work is done, as bubblewrap does ("refusing to set hostname in
// original namespace"), because renaming the host is the one mistake we cannot undo.

func childSetHostname(_ name: String, plan: Plan, sys: Syscalls) throws {
    try refuseOutsideNewUTS("sethostname", name, plan)
    try sys.attempt("sethostname", name) { try sys.sethostname(name) }
}

func childSetDomainname(_ name: String, plan: Plan, sys: Syscalls) throws {
    try refuseOutsideNewUTS("setdomainname", name, plan)
    try sys.attempt("setdomainname", name) { try sys.setdomainname(name) }
}

private func refuseOutsideNewUTS(_ step: String, _ name: String, _ plan: Plan) throws {
    guard plan.namespaces.contains(.uts) else {
        throw StepError(step: step, subject: name, errno: Errno(EPERM),
                        reason: "refusing to rename the host: the plan has no `unshare uts`")
    }
}
