#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// `mount dev TARGET`: a minimal /dev, as bubblewrap's --dev makes one. Not the host's
// /dev (every disk, every tty), and not mknod (not allowed in a user namespace, and a
// device node on a filesystem mounted there would not open: SB_I_NODEV). Instead:
// - a tmpfs, mode 755, nosuid;
// - the harmless character devices, each bind-mounted from the host's /dev onto an
//   empty file: a bind keeps the host's mount, where device nodes open. The binds are
//   cloned before the first step (open_tree), while `/` is still the host's: after a
//   chroot or pivot_root, "/dev/null" would name the sandbox's own file;
// - the usual symlinks into /proc/self/fd (proc(5));
// - a new devpts instance (devpts(5), "newinstance") with ptmx linked to it, if the
//   kernel allows it here: it is the one part a sandbox can do without (no new ttys),
//   so its failure is not fatal — explain and trace show it;
// - an empty shm directory, where POSIX shared memory lives (shm_overview(7)).

let devicesBound = ["null", "zero", "full", "random", "urandom", "tty"]
let deviceLinks: [(name: String, target: String)] = [
    ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"), ("ptmx", "pts/ptmx"),
]

/// Before the first step: for each `mount dev` step (by index), detached bind mounts of
/// the host's devices, in `devicesBound` order. move_mount uses each one up. Throws
/// the failure at the `mount dev` step.
func childCloneHostDevices(_ plan: Plan, kernel: any Kernel) throws(SandboxFailure) -> [Int: [Int32]] {
    var clones: [Int: [Int32]] = [:]
    for (index, planStep) in plan.steps.enumerated() {
        guard case .mount(let mount) = planStep.action, mount.kind == .dev,
              plan.namespaces.contains(.mount) else { continue }
        kernel.stepStarts(index)
        var fds: [Int32] = []
        for name in devicesBound {
            do throws(SandboxFailure) {
                fds.append(try kernel.attempt("mount", "dev: cloning /dev/" + name) { () throws(Errno) in
                    try kernel.openTreeClone("/dev/" + name)
                })
            } catch {
                throw error.at(index)
            }
        }
        clones[index] = fds
    }
    return clones
}

func childMountDev(_ target: String, options: MountSettings, hostDevices: [Int32],
                   kernel: any Kernel) throws(SandboxFailure) {
    let base = target.hasSuffix("/") ? String(target.dropLast()) : target
    let data = options.data.map { "mode=755," + $0 } ?? "mode=755"
    try kernel.attempt("mount", "dev: tmpfs on \(target)") { () throws(Errno) in
        try kernel.mount(source: "tmpfs", target: target, fstype: "tmpfs",
                      flags: UInt(MS_NOSUID) | options.flags, data: data)
    }
    for (name, device) in zip(devicesBound, hostDevices) {
        let path = base + "/" + name
        try kernel.attempt("mount", "dev: /dev/\(name) on \(path)") { () throws(Errno) in
            try kernel.createFile(path, mode: 0o666)
            try kernel.moveMount(device, to: path)
        }
    }
    for link in deviceLinks {
        try kernel.attempt("mount", "dev: \(base)/\(link.name)") { () throws(Errno) in
            try kernel.symlink(link.target, base + "/" + link.name)
        }
    }
    try kernel.attempt("mount", "dev: \(base)/pts") { () throws(Errno) in try kernel.mkdir(base + "/pts", mode: 0o755) }
    try? kernel.mount(source: "devpts", target: base + "/pts", fstype: "devpts",
                   flags: UInt(MS_NOSUID | MS_NOEXEC), data: "newinstance,ptmxmode=0666,mode=620")
    try kernel.attempt("mount", "dev: \(base)/shm") { () throws(Errno) in try kernel.mkdir(base + "/shm", mode: 0o1777) }
}
