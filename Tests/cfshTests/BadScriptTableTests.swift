import Foundation
import Glibc
import Testing
import TestSupport

/// Issue 11, item 2: bad scripts by the hundred. Each is a script file that ends with an
/// `exec` (so a script wrongly accepted would start a sandbox), run as `cfsh FILE` under
/// `strace -f -e trace=clone,clone3,fork,vfork` (strace(1)): it must exit 2, say
/// `FILE:LINE:COL: error:`, and make no clone of any kind — nothing started, checked.
@Suite(.needs(.sandbox), .needs(.strace))
struct BadScriptTableTests {
    /// (what is wrong, the script's bytes). Generated from small tables, so a new
    /// command or rule adds its cases here in one line.
    static func cases(scratch: String) -> [(String, [UInt8])] {
        var cases: [(String, [UInt8])] = []
        func add(_ name: String, _ text: String) { cases.append((name, Array((text + "\nexec true\n").utf8))) }
        func addBytes(_ name: String, _ bytes: [UInt8]) { cases.append((name, bytes + Array("\nexec true\n".utf8))) }

        // Unknown commands: every command's name misspelled three ways.
        let commands = ["unshare", "set", "unset", "clear", "map", "mount", "umount", "chroot",
                        "pivot_root", "chdir", "cd", "limit", "rlimit", "cap", "no_new_privs", "net",
                        "exec", "print", "show", "explain", "reset", "undo", "load", "save", "help",
                        "history", "quit", "exit", "run", "jobs", "fg", "bg"]
        for name in commands {
            add("unknown command \(name)x", "\(name)x a")
            add("unknown command \(name.uppercased())", "\(name.uppercased()) a")
            add("unknown command -\(name)", "-\(name) a")
        }
        // Unknown subcommands and kinds.
        for word in ["host", "hostnam", "HOSTNAME", "domain", "envs", "users", "uid", "trac", "inits", "foo", ""] {
            add("set \(word)", "set \(word == "" ? "''" : word) x")
        }
        for word in ["envs", "hostname", "user", "x"] { add("unset \(word)", "unset \(word) A") }
        for word in ["envs", "plan", "x"] { add("clear \(word)", "clear \(word)") }
        for word in ["procfs", "ext4", "nfs", "bindd", "tmp", "devtmpfs", "cgroup2", "PROC"] {
            add("mount type \(word)", "unshare mount; mount \(word) /mnt")
        }
        for word in ["pid", "mem", "cpus", "io", "memory_max", "PIDS"] { add("limit \(word)", "limit \(word) 1") }
        // (NOFILE and rlimit_nofile are accepted spellings of nofile.)
        for word in ["files", "nofiles", "stacks", "foo", "rlimit_no_file", "nofile_"] { add("rlimit \(word)", "rlimit \(word) 1") }
        for word in ["remove", "add", "keeps", "set"] { add("cap \(word)", "cap \(word) net_raw") }
        for word in ["net_rawx", "cap_foo", "all_caps", "sys-admin"] { add("capability \(word)", "cap drop \(word)") }
        for word in ["uids", "user", "group", "UID"] { add("map \(word)", "unshare user; map \(word) 0 0 1") }
        for word in ["down", "upp", "UP"] { add("net \(word)", "unshare net; net \(word) lo") }
        for value in ["maybe", "yes", "1", "ON"] {
            add("set trace \(value)", "set trace \(value)")
            add("set init \(value)", "unshare pid; set init \(value)")
        }
        // Unknown namespaces.
        for word in ["utss", "pids", "mnt", "network", "users", "cgroups", "times", "ipcs", "ALL", "net,pid", "uts,pid", "ns"] {
            add("unshare \(word)", "unshare \(word)")
        }
        // Wrong arity.
        for text in ["unshare", "set", "set hostname", "unshare uts; set hostname a b", "set domainname",
                     "unshare uts; set domainname a b", "set env", "unset env", "unset", "clear",
                     "clear env x", "set user", "set user 1 2", "set trace", "set trace on off",
                     "set init", "unshare pid; set init on off", "map", "unshare user; map uid 0 0",
                     "unshare user; map uid 0 0 1 1", "unshare mount; mount", "unshare mount; mount proc",
                     "unshare mount; mount bind /tmp", "unshare mount; mount proc /proc a b",
                     "unshare mount; umount", "unshare mount; umount /a /b", "chroot", "chroot /tmp /tmp",
                     "unshare mount; pivot_root", "unshare mount; pivot_root /tmp /tmp", "cd", "cd / /",
                     "chdir", "limit", "limit pids", "limit pids 1 2", "rlimit", "rlimit nofile",
                     "rlimit nofile 1 2", "cap", "cap drop", "cap keep", "no_new_privs x", "net",
                     "unshare net; net up", "unshare net; net up lo eth0", "exec", "show x", "reset x",
                     "undo x", "load", "load a b", "save", "save a b", "history x", "quit x", "exit 1 2"] {
            add("arity: \(text)", text)
        }
        // Numbers at and past their edges.
        for value in ["0", "-1", "1.5", "1e3", "0x10", "+5", "99999999999999999999999", "''", "abc", "1k", "٣"] {
            add("limit pids \(value)", "limit pids \(value)")
        }
        for value in ["0", "-1m", "1q", "1.5m", "99999999999999g", "m", "''", "1mb", "0x100", "-0"] {
            add("limit memory \(value)", "limit memory \(value)")
        }
        for value in ["0", "-1", "abc", "1/2", "99999999", ".", "0.0001", "1,5", "''"] {
            add("limit cpu \(value)", "limit cpu \(value)")
        }
        for value in ["-1", "99999999999999999999", "abc", "2:1", "1:2:3", ":5", "5:", "8q", "''", "unlimitedx"] {
            add("rlimit nofile \(value)", "rlimit nofile \(value)")
        }
        for value in ["8q", "-8m", "1:0", "99999999999999999999g"] { add("rlimit stack \(value)", "rlimit stack \(value)") }
        for line in ["-1 0 1", "0 -1 1", "0 0 0", "4294967296 0 1", "0 4294967296 1", "0 0 4294967296",
                     "a 0 1", "0 b 1", "0 0 c", "0x0 0 1"] {
            add("map uid \(line)", "unshare user; map uid \(line)")
            add("map gid \(line)", "unshare user; map gid \(line)")
        }
        for value in ["-1", "4294967296", "1:abc", "abc", "1:", ":1", "1:2:3", "''", "1.0"] {
            add("set user \(value)", "set user \(value)")
        }
        for value in ["256", "-1", "abc", "99999999999", "1.0"] { add("exit \(value)", "exit \(value)") }
        for options in ["size=abc", "mode=99999", "mode=8000", "size=-1", "nosuch", "ro,rw,bogus", "mode=", "size=1q",
                        "uid=abc", "nr_inodes=-5"] {
            add("mount tmpfs \(options)", "unshare mount; mount tmpfs /tmp \(options)")
        }
        for options in ["size=1m", "lowerdir=/a", "hidepid=9", "bogus"] {
            add("mount proc \(options)", "unshare mount pid; mount proc /proc \(options)")
        }
        // Settings given twice.
        for text in ["unshare uts; set hostname a; set hostname b", "unshare uts; set domainname a; set domainname b",
                     "set user 1; set user 2", "unshare pid; set init on; set init off", "limit pids 5; limit pids 6",
                     "limit memory 1m; limit memory 2m", "limit cpu 0.5; limit cpu 1", "rlimit nofile 10; rlimit nofile 20",
                     "rlimit stack 8m; rlimit stack 8m", "rlimit core 0; rlimit core 1"] {
            add("twice: \(text)", text)
        }
        // Bytes: NUL, invalid UTF-8, CRLF, 1 MB lines.
        addBytes("NUL alone", [0])
        addBytes("NUL in a word", Array("unshare ut".utf8) + [0] + Array("s".utf8))
        addBytes("NUL in a quote", Array("print 'a".utf8) + [0] + Array("b'".utf8))
        addBytes("NUL after a comment line", Array("# fine\n".utf8) + [0])
        addBytes("NUL run", [UInt8](repeating: 0, count: 4096))
        addBytes("UTF-8 0xff", Array("print ".utf8) + [0xff])
        addBytes("UTF-8 lone lead byte", Array("print ".utf8) + [0xc3])
        addBytes("UTF-8 overlong", Array("print ".utf8) + [0xc0, 0xaf])
        addBytes("UTF-8 surrogate", Array("print ".utf8) + [0xed, 0xa0, 0x80])
        addBytes("UTF-8 in a command name", [0xfe] + Array("unshare uts".utf8))
        addBytes("UTF-8 past U+10FFFF", Array("print ".utf8) + [0xf4, 0x90, 0x80, 0x80])
        for (index, text) in ["unshare uts\r\nset hostname\r\n", "print ok\r\nunshar uts\r\n",
                              "unshare uts\r\nset hostname a\r\nset hostname b\r\n", "limit pids 0\r\n",
                              "\r\n\r\nbogus\r\n"].enumerated() {
            add("CRLF \(index)", text)
        }
        let megabyte = String(repeating: "x", count: 1 << 20)
        add("1 MB command name", megabyte)
        add("1 MB hostname", "unshare uts; set hostname \(megabyte)")
        add("1 MB namespace", "unshare \(megabyte)")
        add("1 MB line ending in a pipe", "print \(megabyte) |")
        add("1 MB number", "limit pids \(String(repeating: "9", count: 1 << 20))")
        add("1 MB quote never closed", "print '\(megabyte)")
        // Paths: missing, files where a directory is needed, `..`, symlinks.
        let file = scratch + "/file", dangling = scratch + "/dangling", loop = scratch + "/loop"
        for path in ["/nonexistent", "/nonexistent/..", "../../../../../nonexistent", "/etc/passwd", "/etc/passwd/..",
                     dangling, loop, file, "''", "\(dangling)/.."] {
            add("chroot \(path)", "unshare mount; chroot \(path)")
            add("pivot_root \(path)", "unshare mount; pivot_root \(path)")
        }
        for path in ["/nonexistent", "/etc/passwd", dangling, loop, "/nonexistent/../tmp"] {
            add("cd \(path)", "cd \(path)")
        }
        // A bind source that is not there (it was found only by the sandbox, exit 125).
        for path in ["/nonexistent", dangling, loop, "/nonexistent/../tmp", "/etc/passwd/x"] {
            add("bind source \(path)", "unshare mount; mount bind \(path) /mnt")
            add("rbind source \(path)", "unshare mount; mount rbind \(path) /mnt")
        }
        add("bind source missing in the root", "unshare mount; chroot \(TestHost.rootfs); mount bind /nowhere /mnt")
        add("cd missing in the root", "unshare mount; chroot \(TestHost.rootfs); cd /nowhere")
        add("cd to a file in the root", "unshare mount; chroot \(TestHost.rootfs); cd /bin/busybox")
        add("cd .. to a missing directory", "unshare mount; chroot \(TestHost.rootfs); cd /../../nowhere")
        add("load missing", "load /nonexistent.cfs")
        add("load a directory", "load /tmp")
        // Every plan rule broken.
        for text in ["set hostname a", "set domainname a", "mount proc /proc", "mount tmpfs /tmp",
                     "mount bind /tmp /mnt", "umount /mnt", "pivot_root /tmp", "map uid 0 0 1", "map gid 0 0 1",
                     "net up lo", "unshare user; mount proc /proc", "unshare user; mount sysfs /sys",
                     "unshare user pid mount; pivot_root \(TestHost.rootfs); mount proc /proc",
                     "unshare uts; cap drop sys_admin; set hostname c", "cap drop all; unshare mount; mount tmpfs /tmp",
                     "unshare user; map uid 0 0 1; map uid 0 0 1"] {
            add("rule: \(text)", text)
        }
        // Words the language refuses.
        for text in ["print a|b", "print a&", "exec ls > x", "exec cat < x", "print 'open", "print \"open",
                     "print ${", "print ${NOPE_CFSH_UNSET}", "print $NOPE_CFSH_UNSET", "print ${X:-",
                     "print $1", "print ${2}", "print \"${NOPE_CFSH_UNSET}\"", "print ${}", "print '\\''"] {
            add("word: \(text)", text)
        }
        return cases
    }

    @Test func everyBadScriptExits2WithALocatedErrorAndStartsNothing() throws {
        let scratch = "/tmp/cfsh-safety-badscripts-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { _ = TestHost.shell("rm -rf '\(scratch)'") }
        _ = FileManager.default.createFile(atPath: scratch + "/file", contents: Data())
        symlink(scratch + "/nowhere", scratch + "/dangling")
        symlink(scratch + "/loop", scratch + "/loop")

        // The check itself, on a good script: strace sees its clone3.
        let good = scratch + "/good.cfs"
        _ = FileManager.default.createFile(atPath: good, contents: Data("unshare uts\nexec true\n".utf8))
        let control = traced(good, scratch: scratch)
        #expect(control.status == 0 && control.clones.contains { $0.contains("clone3(") }, "\(control)")

        let cases = Self.cases(scratch: scratch)
        #expect(cases.count >= 300)
        var failed = 0
        for (index, (name, bytes)) in cases.enumerated() {
            let path = scratch + "/\(index).cfs"
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let run = traced(path, scratch: scratch)
            let located = run.stderr.range(of: #"(^|\n)\#(NSRegularExpression.escapedPattern(for: path)):[0-9]+:[0-9]+: error: "#,
                                           options: .regularExpression) != nil
            if run.status != 2 || !located || !run.clones.isEmpty {
                failed += 1
                Issue.record("\(name): status \(run.status), clones \(run.clones), stderr: \(run.stderr.prefix(300))")
            }
        }
        print("bad scripts: \(cases.count) tried, \(cases.count - failed) exit 2 with FILE:LINE:COL and no clone")
    }

    struct Traced { var status: Int32; var stderr: String; var clones: [String] }

    /// `strace -f -qq -e trace=clone,clone3,fork,vfork -o TRACE cfsh FILE`: what cfsh
    /// said and every process-creating call of it and its children.
    func traced(_ script: String, scratch: String) -> Traced {
        let trace = scratch + "/trace", errors = scratch + "/stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: Data())
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        process.arguments = ["-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o", trace, TestHost.cfsh, script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: errors)
        guard (try? process.run()) != nil else { return Traced(status: -1, stderr: "strace did not start", clones: []) }
        process.waitUntilExit()
        let clones = TestHost.read(trace).split(separator: "\n").map(String.init)
            .filter { $0.contains("clone(") || $0.contains("clone3(") || $0.contains("fork(") }
        return Traced(status: process.terminationStatus, stderr: TestHost.read(errors), clones: clones)
    }
}
