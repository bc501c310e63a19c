#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import CLinux

// Mounts (mount(2), mount_namespaces(7)). Only ever in a new mount namespace: the child
// refuses otherwise, and makes `/` private (MS_REC|MS_PRIVATE) before its first mount,
// because a new namespace copies the host's propagation and a shared `/` (systemd's
// default) would propagate our mounts back to the host.

/// Before the first step, when any step mounts: `/` must still be the namespace's root
/// mount — after a `chroot` into a plain directory, mount(NULL, "/", MS_PRIVATE) is
/// EINVAL (not a mount point), and the mounts below the new root would stay shared.
func childMakeRootPrivate(plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    guard plan.namespaces.contains(.mount), plan.steps.contains(where: { $0.action.mounts }) else {
        return
    }
    try kernel.attempt("mount", "making / private") { () throws(Errno) in
        try kernel.mount(source: nil, target: "/", fstype: nil,
                      flags: UInt(MS_REC | MS_PRIVATE), data: nil)
    }
}

extension Step {
    /// Changes the mount table.
    var mounts: Bool {
        switch self {
        case .mount, .umount, .pivotRoot: return true
        default: return false
        }
    }
}

/// `hostDevices`: for `mount dev`, the clones made by childCloneHostDevices. `futureRoot`:
/// the directory of the plan's next `chroot` or `pivot_root`, if one follows.
func childMount(_ mount: Mount, plan: Plan, hostDevices: [Int32] = [], futureRoot: String? = nil,
                kernel: any Kernel) throws(SandboxFailure) {
    try refuseOutsideNewMountNamespace(plan, subject: mount.target)
    try childRefuseTargetLeavingRoot(mount, futureRoot: futureRoot, kernel: kernel)
    // flags and data from the one mount option table (CFSLanguage/MountOptions.swift).
    let options = mount.settings
    // Only a failed mount looks for its cause (KernelErrors.swift).
    let why = { (error: Errno) in childLookWhyMountFailed(error, mount, plan: plan, kernel: kernel) }
    switch mount.kind {
    case .proc, .sysfs, .tmpfs:
        let fstype = mount.kind.rawValue
        try kernel.attempt("mount", mount.target, why: why) { () throws(Errno) in
            try kernel.mount(source: fstype, target: mount.target, fstype: fstype,
                          flags: options.flags, data: options.data)
        }
    case .bind, .rbind:
        let source = mount.source ?? ""
        let subject = "\(source) on \(mount.target)"
        let recursive: UInt = mount.kind == .rbind ? UInt(MS_REC) : 0
        try kernel.attempt("mount", subject, why: why) { () throws(Errno) in
            try kernel.mount(source: source, target: mount.target, fstype: nil,
                          flags: UInt(MS_BIND) | recursive, data: nil)
        }
        // MS_BIND ignores every other flag: ro, nosuid, ... need a remount of the new
        // bind mount (mount(2), "Creating a bind mount"; bubblewrap does the same). It
        // keeps the flags the mount already has, which a remount would otherwise clear.
        // With rbind this only changes the top mount, not the ones below it.
        if options.flags != 0 {
            try kernel.attempt("mount", subject) { () throws(Errno) in
                let current = try kernel.mountFlags(mount.target)
                try kernel.mount(source: nil, target: mount.target, fstype: nil,
                              flags: UInt(MS_BIND | MS_REMOUNT) | options.flags
                                  | BindRemount.flags(fromStatvfs: current),
                              data: nil)
            }
        }
    case .overlay:
        // lowerdir=...,upperdir=...,workdir=... are the data (overlayfs docs,
        // "Multiple lower layers"); a user namespace may mount one since Linux 5.11.
        try kernel.attempt("mount", "overlay on \(mount.target)", why: why) { () throws(Errno) in
            try kernel.mount(source: "overlay", target: mount.target, fstype: "overlay",
                          flags: options.flags, data: options.data)
        }
    case .dev:
        try childMountDev(mount.target, options: options, hostDevices: hostDevices, kernel: kernel)
    }
}

/// mount(2) follows symlinks in its target. A rootfs is data (an image, a tarball), and a
/// symlink in it must not move a mount out of it (runc CVE-2021-30465; proc onto a
/// symlink: runc CVE-2019-16884):
/// - a target inside the directory a later `chroot`/`pivot_root` enters (`mount proc
///   ./rootfs/proc; pivot_root ./rootfs`) must resolve beneath it: openat2(2)
///   RESOLVE_BENEATH refuses a symlink or `..` that leads out (EXDEV) and magic links;
/// - `proc` and `sysfs` are never mounted onto a symlink (readlink(2) succeeds), wherever
///   it points: a rootfs whose /proc is a link to /etc would get the kernel's files there.
/// Checked just before the mount, by path: a process changing the rootfs at that very
/// moment could still swap a directory for a link in between (runc closes that by
/// mounting onto /proc/self/fd/N; cfsh's rootfs is the caller's own directory).
func childRefuseTargetLeavingRoot(_ mount: Mount, futureRoot: String?,
                                  kernel: any Kernel) throws(SandboxFailure) {
    let target = mount.target
    if let root = futureRoot.map(lexical), lexical(target).hasPrefix(root + "/") {
        let inside = String(lexical(target).dropFirst(root.count + 1))
        do throws(Errno) {
            _ = try kernel.perform(.checkBeneath(directory: root, path: inside))
        } catch where error.rawValue == EXDEV || error.rawValue == ELOOP {
            throw SandboxFailure.setup("mount", target, error, index: nil, reason:
                "refused: a symlink or '..' in it leads out of " + root + ", the root this plan enters")
        } catch {
            // ENOENT and the like: the mount itself says so, as before.
        }
    }
    if mount.kind == .proc || mount.kind == .sysfs,
       case .text(let link)? = try? kernel.perform(.readlink(target)), !link.isEmpty {
        throw SandboxFailure.setup("mount", target, Errno(ELOOP), index: nil, reason:
            "refused: it is a symlink (to " + link + "); " + mount.kind.rawValue
            + " is mounted only onto a directory")
    }
}

/// `./rootfs/` as `rootfs`: the same directory, for the prefix test above.
private func lexical(_ path: String) -> String {
    var path = path
    while path.hasPrefix("./") { path.removeFirst(2) }
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
}

func childUmount(_ target: String, plan: Plan, kernel: any Kernel) throws(SandboxFailure) {
    try refuseOutsideNewMountNamespace(plan, subject: target)
    try kernel.attempt("umount", target, why: { childLookWhyUmountFailed($0, target: target, kernel: kernel) }) {
        () throws(Errno) in try kernel.umount(target, flags: 0)
    }
}

/// The validator checks this too; the child checks again where the work is done.
func refuseOutsideNewMountNamespace(_ plan: Plan, subject: String,
                                    step: String = "mount") throws(SandboxFailure) {
    guard plan.namespaces.contains(.mount) else {
        throw SandboxFailure.setup(step, subject, Errno(EPERM), index: nil,
                                   reason: "refusing to change the host's mounts: the plan has no `unshare mount`")
    }
}

/// What a bind remount must keep of the mount it changes.
enum BindRemount {
    /// statvfs(3) ST_* flags as the MS_* flags a bind remount must keep.
    static func flags(fromStatvfs st: UInt) -> UInt {
        var result: UInt = 0
        if st & UInt(ST_RDONLY) != 0 { result |= UInt(MS_RDONLY) }
        if st & UInt(ST_NOSUID) != 0 { result |= UInt(MS_NOSUID) }
        if st & UInt(CFS_ST_NODEV) != 0 { result |= UInt(MS_NODEV) }
        if st & UInt(CFS_ST_NOEXEC) != 0 { result |= UInt(MS_NOEXEC) }
        return result
    }
}
