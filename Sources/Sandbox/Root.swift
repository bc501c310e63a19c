import CFSLanguage

// The root and the working directory.

/// `chroot DIR`: chroot(2) then chdir("/"), as the seed does — without the chdir the
/// working directory would still be outside the new root. chroot is not escape-proof
/// for root (chroot(2), NOTES); `pivot_root` is, when it lands.
func childChroot(_ directory: String, sys: Syscalls) throws {
    try sys.attempt("chroot", directory) { try sys.chroot(directory) }
    try sys.attempt("chdir", "/") { try sys.chdir("/") }
}

func childChdir(_ directory: String, sys: Syscalls) throws {
    try sys.attempt("chdir", directory) { try sys.chdir(directory) }
}
