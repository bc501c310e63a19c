#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The root and the working directory.

/// `chroot DIR`: chroot(2) then chdir("/"), as the talk does — without the chdir the
/// working directory would still be outside the new root. chroot is not escape-proof
/// for root (chroot(2), NOTES); `pivot_root` is.
func childChroot(_ directory: String, kernel: any Kernel) throws(SandboxFailure) {
    try kernel.attempt("chroot", directory) { () throws(Errno) in try kernel.chroot(directory) }
    try kernel.attempt("chdir", "/") { () throws(Errno) in try kernel.chdir("/") }
}

func childChdir(_ directory: String, kernel: any Kernel) throws(SandboxFailure) {
    try kernel.attempt("chdir", directory) { () throws(Errno) in try kernel.chdir(directory) }
}

/// `pivot_root DIR`: DIR becomes `/` and the old root is detached, so nothing of the
/// host's tree is left to escape to (unlike chroot). runc's way, which needs no
/// directory for the old root (pivot_root(2), NOTES, "pivot_root(".", ".")"):
///   mount(DIR, DIR, MS_BIND|MS_REC)  DIR must be a mount point (pivot_root(2), EINVAL)
///   chdir(DIR); pivot_root(".", ".") the old root is now mounted on top of the new one
///   umount2(".", MNT_DETACH)          take the old root off (lazily: it may be busy)
///   chdir("/")                        the working directory is the new root
/// The mount namespace's `/` was made private first (Mounts.swift), or the detach
/// would propagate to the host.
func childPivotRoot(_ directory: String, plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    try refuseOutsideNewMountNamespace(plan, subject: directory, step: "pivot_root")
    try kernel.attempt("pivot_root", "binding \(directory) onto itself") { () throws(Errno) in
        try kernel.mount(source: directory, target: directory, fstype: nil,
                      flags: UInt(MS_BIND | MS_REC), data: nil)
    }
    try kernel.attempt("pivot_root", directory) { () throws(Errno) in try kernel.chdir(directory) }
    try kernel.attempt("pivot_root", directory,
                       why: { childLookWhyPivotRootFailed($0, newRoot: directory, kernel: kernel) }) { () throws(Errno) in
        try kernel.pivotRoot(".", ".")
    }
    try kernel.attempt("pivot_root", "detaching the old root") { () throws(Errno) in
        try kernel.umount(".", flags: Int32(MNT_DETACH))
    }
    try kernel.attempt("chdir", "/") { () throws(Errno) in try kernel.chdir("/") }
}
