#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// The root and the working directory.

/// `chroot DIR`: chroot(2) then chdir("/"), as the seed does — without the chdir the
/// working directory would still be outside the new root. chroot is not escape-proof
/// for root (chroot(2), NOTES); `pivot_root` is.
func childChroot(_ directory: String, sys: Syscalls) throws {
    try sys.attempt("chroot", directory) { try sys.chroot(directory) }
    try sys.attempt("chdir", "/") { try sys.chdir("/") }
}

func childChdir(_ directory: String, sys: Syscalls) throws {
    try sys.attempt("chdir", directory) { try sys.chdir(directory) }
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
func childPivotRoot(_ directory: String, plan: Plan, sys: Syscalls) throws {
    try refuseOutsideNewMountNamespace(plan, subject: directory, step: "pivot_root")
    try sys.attempt("pivot_root", "binding \(directory) onto itself") {
        try sys.mount(source: directory, target: directory, fstype: nil,
                      flags: UInt(MS_BIND | MS_REC), data: nil)
    }
    try sys.attempt("pivot_root", directory) {
        try sys.chdir(directory)
        try sys.pivotRoot(".", ".")
    }
    try sys.attempt("pivot_root", "detaching the old root") {
        try sys.umount(".", flags: Int32(MNT_DETACH))
    }
    try sys.attempt("chdir", "/") { try sys.chdir("/") }
}
