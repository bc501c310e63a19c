#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

// `limit pids|memory|cpu`, parent side (cgroups(7)). The parent makes one cgroup per
// controller, writes the limits, adds the child (before "go": every process of the
// sandbox inherits it), and removes the cgroup after the child has exited — always,
// failed runs included.
//
// Which hierarchy: cgroup v2 when /sys/fs/cgroup is one (it has cgroup.controllers);
// otherwise v1, one directory per controller (/sys/fs/cgroup/pids, memory, cpu). A
// hybrid host, as this project's test machine, mounts v2 at /sys/fs/cgroup/unified
// too, but with the controllers bound to v1 that hierarchy can limit nothing. The new
// cgroup is made below cfsh's own (from /proc/self/cgroup), never at the root, so a
// sandbox cannot escape limits cfsh itself runs under.

struct CgroupDirectory: Equatable {
    var path: String
    /// file → value, in the order written.
    var settings: [(file: String, value: String)]
    static func == (a: CgroupDirectory, b: CgroupDirectory) -> Bool {
        a.path == b.path && a.settings.map(\.file) == b.settings.map(\.file)
            && a.settings.map(\.value) == b.settings.map(\.value)
    }
}

/// The directories to make for `limits`, named after the child's pid.
func cgroupDirectories(_ limits: Limits, pid: pid_t, kernel: any Kernel) -> [CgroupDirectory] {
    let own = (try? kernel.readFile("/proc/self/cgroup")) ?? ""
    func ownPath(_ controller: String?) -> String {
        for line in own.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let matches = controller.map { fields[1].split(separator: ",").contains(Substring($0)) }
                ?? (fields[0] == "0" && fields[1].isEmpty)
            if matches { return fields[2] == "/" ? "" : String(fields[2]) }
        }
        return ""
    }
    let name = "cfsh-\(pid)"
    if (try? kernel.readFile("/sys/fs/cgroup/cgroup.controllers")) != nil {
        var settings: [(String, String)] = []
        if let n = limits.pids { settings.append(("pids.max", "\(n)")) }
        if let n = limits.memoryBytes { settings.append(("memory.max", "\(n)")) }
        if let n = limits.cpuMillis { settings.append(("cpu.max", "\(n * 100) 100000")) }
        return [CgroupDirectory(path: "/sys/fs/cgroup\(ownPath(nil))/\(name)", settings: settings)]
    }
    var result: [CgroupDirectory] = []
    if let n = limits.pids {
        result.append(CgroupDirectory(path: "/sys/fs/cgroup/pids\(ownPath("pids"))/\(name)",
                                      settings: [("pids.max", "\(n)")]))
    }
    if let n = limits.memoryBytes {
        result.append(CgroupDirectory(path: "/sys/fs/cgroup/memory\(ownPath("memory"))/\(name)",
                                      settings: [("memory.limit_in_bytes", "\(n)")]))
    }
    if let n = limits.cpuMillis {
        // cpu.cfs_quota_us of every cfs_period_us: 500 thousandths is 50000 of 100000.
        result.append(CgroupDirectory(path: "/sys/fs/cgroup/cpu\(ownPath("cpu"))/\(name)",
                                      settings: [("cpu.cfs_period_us", "100000"),
                                                 ("cpu.cfs_quota_us", "\(n * 100)")]))
    }
    return result
}

/// mkdir, limits, then the child's pid into cgroup.procs. Returns the directories made
/// (to remove) and the failure, if any.
func parentCreateCgroups(_ directories: [CgroupDirectory], pid: pid_t,
                         kernel: any Kernel) -> (made: [String], failure: SandboxFailure?) {
    parentSweepStaleCgroups(directories, pid: pid, kernel: kernel)
    var made: [String] = []
    for directory in directories {
        do throws(Errno) {
            try kernel.mkdir(directory.path, mode: 0o755)
        } catch {
            return (made, SandboxFailure.setup("limit", directory.path, error, index: nil))
        }
        made.append(directory.path)
        for (file, value) in directory.settings + [("cgroup.procs", "\(pid)")] {
            do throws(Errno) {
                try kernel.writeFile(directory.path + "/" + file, value + "\n")
            } catch {
                return (made, SandboxFailure.setup("limit", "\(directory.path)/\(file): \(value)",
                                                   error, index: nil))
            }
        }
    }
    return (made, nil)
}

/// A cfsh killed by SIGKILL cannot remove its cgroup: its sandbox dies with it (the
/// clone3 shim's PR_SET_PDEATHSIG), but the empty `cfsh-PID` directory would stay for
/// good. So each run that makes a cgroup first removes, next to where it makes its own,
/// the `cfsh-PID` cgroups whose PID is gone (kill(PID, 0) is ESRCH: kill(2)) — the PID
/// is the sandbox's first process, alive (a zombie at least) as long as its cfsh has
/// not waited for it. rmdir(2) of a cgroup that still has processes or children fails
/// (EBUSY): only empty ones go, and a PID reused by another process keeps its cgroup
/// until that process is gone too. One line on stderr names what was removed.
/// The one race: a live cfsh between its wait4 and its rmdir; it then finds its
/// cgroup already gone, which parentRemoveCgroups accepts.
func parentSweepStaleCgroups(_ directories: [CgroupDirectory], pid: pid_t, kernel: any Kernel) {
    // On every run with a limit, so bytes, not Characters: Character-wise String work
    // (grapheme breaking) costs measurable start-up time the first time it runs.
    var removed: [String] = []
    for directory in directories {
        guard let slash = directory.path.utf8.lastIndex(of: UInt8(ascii: "/")) else { continue }
        let parent = String(directory.path[..<slash])
        guard case .text(let names)? = try? kernel.perform(.listDirectory(path: parent)) else { continue }
        for name in names.utf8.split(separator: UInt8(ascii: "\n")) {
            guard let owner = cfshCgroupPID(name), owner != pid else { continue }
            do throws(Errno) {
                try kernel.kill(owner, 0)
                continue
            } catch where error.rawValue != ESRCH {
                continue
            } catch {}
            let path = parent + "/cfsh-" + String(owner)
            if (try? kernel.rmdir(path)) != nil { removed.append(path) }
        }
    }
    if !removed.isEmpty {
        try? kernel.write(2, "cfsh: removed " + String(removed.count) + " stale cgroup"
                             + (removed.count == 1 ? "" : "s") + " of sandboxes no longer running (their cfsh was killed): "
                             + removed.joined(separator: " ") + "\n")
    }
}

/// N of a directory named `cfsh-N` (N a positive decimal pid, no sign, no leading
/// zero); nil for any other name.
func cfshCgroupPID<Bytes: Collection>(_ name: Bytes) -> pid_t? where Bytes.Element == UInt8 {
    let prefix: [UInt8] = [0x63, 0x66, 0x73, 0x68, 0x2d]  // "cfsh-"
    guard name.count > prefix.count, name.starts(with: prefix) else { return nil }
    var value: Int64 = 0
    for (offset, byte) in name.dropFirst(prefix.count).enumerated() {
        guard byte >= 0x30 && byte <= 0x39, !(offset == 0 && byte == 0x30) else { return nil }
        value = value * 10 + Int64(byte - 0x30)
        if value > Int64(Int32.max) { return nil }
    }
    return pid_t(value)
}

/// rmdir each, once the child has been waited for. A cgroup with processes left in
/// it (the command's background jobs, without a PID namespace) cannot be removed
/// (EBUSY): they are processes this run started, so they are killed, then it is
/// removed. Returns what could not be removed.
/// The cgroup that holds the memory limit among those made: v1's memory controller
/// directory, or the one v2 directory.
func memoryCgroup(of paths: [String]) -> String? {
    paths.first { $0.contains("/memory/") } ?? (paths.count == 1 ? paths[0] : nil)
}

/// How many processes the kernel's OOM killer ended in the sandbox's memory cgroup:
/// the `oom_kill` line of memory.oom_control (v1) or memory.events (v2), read before
/// the cgroup is removed (cgroups(7); Documentation/admin-guide/cgroup-v2.rst).
func parentMemoryLimitKills(_ path: String, kernel: any Kernel) -> Int {
    let file = path.contains("/memory/") ? "/memory.oom_control" : "/memory.events"
    guard let text = try? kernel.readFile(path + file) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("oom_kill ") {
        return Int(line.dropFirst(9)) ?? 0
    }
    return 0
}

func parentRemoveCgroups(_ paths: [String], kernel: any Kernel) -> [SandboxFailure] {
    var failures: [SandboxFailure] = []
    for path in paths.reversed() {
        for attempt in 0..<200 {
            do throws(Errno) {
                try kernel.rmdir(path)
                break
            } catch where error.rawValue == ENOENT {
                // Removed by another run's sweep, between our wait4 and here (see
                // parentSweepStaleCgroups): gone is what we wanted.
                break
            } catch where error.rawValue == EBUSY && attempt < 199 {
                // Exited processes leave the cgroup a moment after wait4 returns.
                if attempt >= 5, let procs = try? kernel.readFile(path + "/cgroup.procs") {
                    for pid in procs.split(separator: "\n").compactMap({ pid_t($0) }) {
                        try? kernel.kill(pid, SIGKILL)
                    }
                }
                kernel.sleep(microseconds: 5_000)
            } catch {
                failures.append(SandboxFailure.setup("limit", "removing " + path, error, index: nil))
                break
            }
        }
    }
    return failures
}
