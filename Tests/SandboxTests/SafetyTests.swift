import Foundation
import Glibc
import Testing
import TestSupport

/// Issue 11, item 6: signals and death. A killed cfsh must not leave its sandbox running
/// nor its cgroup behind; a sandbox without a terminal must not type into the caller's.
@Suite(.serialized, .needs(.sandbox))
struct DeathAndSessionTests {
    /// The cgroup directory a process is in, where its name starts with `cfsh-` (the
    /// sandbox's own, below cfsh's), from /proc/PID/cgroup (cgroups(7)).
    func sandboxCgroup(of pid: pid_t) -> String? {
        for line in TestHost.read("/proc/\(pid)/cgroup").split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].split(separator: "/").last?.hasPrefix("cfsh-") == true else { continue }
            let controllers = fields[1].split(separator: ",")
            if controllers.contains("pids") { return "/sys/fs/cgroup/pids" + fields[2] }
            if fields[1].isEmpty { return "/sys/fs/cgroup" + fields[2] }
        }
        return nil
    }

    /// `kill -9` of cfsh during `exec sleep 30`: the sandbox goes within a second (the
    /// clone3 shim's PR_SET_PDEATHSIG, as `bwrap --die-with-parent`), with an init, with
    /// the command as PID 1, and without a PID namespace.
    @Test(arguments: [
        "unshare uts pid mount; limit pids 10; chroot ROOTFS; mount proc /proc; exec sleep 30",
        "unshare uts pid mount; set init off; chroot ROOTFS; exec sleep 30",
        "unshare uts mount; chroot ROOTFS; exec sleep 30",
    ])
    func killNineOfCfshTakesItsSandboxDownWithinASecond(_ plan: String) throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("kill9")
            var cgroup: String?
            defer {
                Safety.killLeftovers(marker: marker)
                // A failed test must not leave the cgroup it checks for.
                // (Its processes may take a moment to leave it: rmdir is EBUSY until then.)
                if let cgroup, cgroup.contains("/cfsh-") {
                    for _ in 0..<500 where rmdir(cgroup) != 0 && errno == EBUSY { usleep(10_000) }
                }
                Safety.remove(directory)
            }
            let script = plan.replacingOccurrences(of: "ROOTFS", with: TestHost.rootfs)
            let cfsh = Safety.Background("\(TestHost.cfsh) -c \(Safety.quoted(script))", marker: marker,
                                         directory: directory)
            try #require(cfsh.start())
            let sleeper = try #require(Safety.waitForProcess(named: "sleep", marker: marker),
                                       "the sandbox's sleep never started: \(cfsh.text)")
            if plan.contains("limit") {
                cgroup = sandboxCgroup(of: sleeper)
                #expect(cgroup != nil, "\(TestHost.read("/proc/\(sleeper)/cgroup"))")
            }
            let killed = Date()
            kill(cfsh.pid, SIGKILL)
            #expect(cfsh.wait() == 128 + SIGKILL)
            while !Safety.processes(marker: marker).isEmpty && Date().timeIntervalSince(killed) < 5 {
                usleep(5_000)
            }
            let gone = Date().timeIntervalSince(killed)
            #expect(Safety.processes(marker: marker).isEmpty, "the sandbox outlived cfsh")
            #expect(gone < 1.0, "the sandbox took \(gone) s to die")
            print("kill -9 of cfsh: sandbox gone after \(Int(gone * 1000)) ms (\(plan))")

            guard let stale = cgroup else { return }
            // Nobody of cfsh's survived to remove it; the next run that makes a cgroup does,
            // once the sandbox's first process (cfsh-PID), a zombie now, has been reaped by
            // the host's init (it was cfsh's child).
            #expect(FileManager.default.fileExists(atPath: stale))
            let first = pid_t(stale.split(separator: "-").last ?? "") ?? 0
            while kill(first, 0) == 0 && Date().timeIntervalSince(killed) < 10 { usleep(5_000) }
            print("kill -9 of cfsh: its sandbox's first process reaped after \(Int(Date().timeIntervalSince(killed) * 1000)) ms")
            // (`set lint off`: the one line expected is the sweep's, not lint's about /proc.)
            let next = TestHost.run(["-c", "set lint off; unshare uts pid mount; limit pids 10; exec true"], marker: marker)
            #expect(next.status == 0)
            let said = next.stderr.split(separator: "\n")
            #expect(said.count == 1 && said[0].contains("removed 1 stale cgroup") && said[0].contains(stale),
                    "\(next.stderr)")
            #expect(!FileManager.default.fileExists(atPath: stale))
        }
    }

    /// bubblewrap CVE-2017-5226: a sandbox sharing the caller's session can push input
    /// into the caller's terminal with TIOCSTI (`/proc/sys/dev/tty/legacy_tiocsti` is 1
    /// on this kernel), and the caller's shell runs it once the sandbox exits. cfsh runs
    /// a non-interactive sandbox in a new session (setsid), without a controlling
    /// terminal: TIOCSTI on the inherited terminal fd is EPERM (tty_ioctl(4)). The
    /// sandbox drops CAP_SYS_ADMIN: with it TIOCSTI works on any terminal, controlling or
    /// not — root in a sandbox is root (README, "Safety").
    @Test func aSandboxWithoutATerminalCannotPushKeystrokesIntoTheCallersTerminal() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("tiocsti")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let helper = try #require(Safety.compile("tiocsti", """
                #include <errno.h>
                #include <stdio.h>
                #include <string.h>
                #include <sys/ioctl.h>
                int main(void) {
                    const char *keys = "echo INJECTED\\n";
                    for (const char *p = keys; *p; p++) {
                        if (ioctl(0, TIOCSTI, p) != 0) {
                            printf("TIOCSTI failed: %s\\n", strerror(errno));
                            return 0;
                        }
                    }
                    printf("TIOCSTI pushed keystrokes\\n");
                    return 1;
                }
                """, into: directory))
            // A terminal of the test's own: cfsh runs with it as its controlling terminal,
            // as the caller's shell would (setsid(1) -c: TIOCSCTTY on fd 0).
            // (posix_openpt(3) by hand: /dev/ptmx, TIOCSPTLCK 0 to unlock, TIOCGPTN for its
            // number: pts(4). Swift's Glibc module does not export posix_openpt.)
            let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            try #require(master >= 0)
            defer { close(master) }
            var unlock: Int32 = 0, number: Int32 = -1
            try #require(ioctl(master, UInt(0x4004_5431) /* TIOCSPTLCK */, &unlock) == 0)
            try #require(ioctl(master, UInt(0x8004_5430) /* TIOCGPTN */, &number) == 0)
            let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
            try #require(slave >= 0)
            defer { close(slave) }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
            process.arguments = ["-c", TestHost.cfsh, "-c", "unshare uts pid; cap drop sys_admin; exec \(helper)"]
            var environment = ProcessInfo.processInfo.environment
            environment["CFSH_SANDBOX_TEST"] = marker
            process.environment = environment
            let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
            process.standardInput = terminal
            process.standardOutput = terminal
            process.standardError = terminal
            try process.run()
            process.waitUntilExit()

            var shown = ""
            _ = fcntl(master, F_SETFL, O_NONBLOCK)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n <= 0 { break }
                shown += String(decoding: buffer[..<n], as: UTF8.self)
            }
            #expect(process.terminationStatus == 0, "\(shown)")
            // With legacy_tiocsti 0 (Linux 6.2+, when configured so) TIOCSTI is EIO for
            // everyone without CAP_SYS_ADMIN; with 1 (this test machine) the session is
            // what stops it: EPERM, not the caller's controlling terminal.
            let legacy = TestHost.read("/proc/sys/dev/tty/legacy_tiocsti").hasPrefix("0") ? "Input/output error"
                : "Operation not permitted"
            #expect(shown.contains("TIOCSTI failed: " + legacy), "\(shown)")
            // Nothing waits in the terminal's input for the caller's shell to read.
            _ = fcntl(slave, F_SETFL, O_NONBLOCK)
            let pending = read(slave, &buffer, buffer.count)
            #expect(pending < 0 && errno == EAGAIN, "input was pushed: \(String(decoding: buffer[..<max(0, pending)], as: UTF8.self))")
        }
    }
}

/// Issue 11, item 6: signals to cfsh are the sandbox's; its init reaps orphans; a cfsh
/// started with SIGCHLD ignored or every signal blocked still reports the right status.
@Suite(.serialized, .needs(.sandbox))
struct SignalTests {
    /// SIGTERM, SIGINT, SIGHUP to cfsh during `exec`: forwarded to the command, and cfsh
    /// exits *after* the sandbox, with the command's status — told apart from cfsh's own
    /// death by the wait status (exited, not signaled) and by a command that traps the
    /// signal and exits 3: cfsh then exits 3, not 128+N.
    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aSignalToCfshIsForwardedAndCfshExitsAfterTheSandbox(_ signal: Int32) throws {
        let name = [SIGTERM: "TERM", SIGINT: "INT", SIGHUP: "HUP"][signal]!
        for plan in ["unshare uts pid mount; exec sleep 30", "unshare uts; exec sleep 30",
                     "unshare uts pid; exec sh -c 'trap \"echo got \(name); exit 3\" \(name); sleep 30 & wait'"] {
            try withHostUnchanged { marker in
                let directory = Safety.temporaryDirectory("signal")
                defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
                let cfsh = Safety.Background("\(TestHost.cfsh) -c \(Safety.quoted(plan))", marker: marker, directory: directory)
                try #require(cfsh.start())
                _ = try #require(Safety.waitForProcess(named: "sleep", marker: marker), "\(cfsh.text)")
                kill(cfsh.pid, signal)
                let status = cfsh.wait()
                let left = Safety.processes(marker: marker)
                #expect(cfsh.exited, "cfsh itself died of the signal (\(plan))")
                #expect(left.isEmpty, "cfsh exited before its sandbox: \(left)")
                if plan.contains("trap") {
                    #expect(status == 3 && cfsh.text.contains("got \(name)"), "\(plan): \(status) \(cfsh.text)")
                } else {
                    #expect(status == 128 + signal, "\(plan): \(cfsh.text)")
                }
            }
        }
    }

    /// PID 1 in the sandbox is cfsh's init: 200 orphans reparented to it are all reaped.
    /// (They sleep until killed, so a loaded machine cannot reap them before they are
    /// counted; then the shell kills them all and the zombies are polled for, with a deadline.
    /// `mount dev /dev`: sh gives a background job /dev/null, which the busybox rootfs
    /// does not have.)
    @Test func theInitReapsTwoHundredOrphans() {
        withHostUnchanged { marker in
            let script = """
                i=0; while [ $i -lt 200 ]; do (sleep 30 &); i=$((i+1)); done
                echo orphans=$(grep -l '^PPid:.1$' /proc/[0-9]*/status 2>/dev/null | wc -l)
                kill -9 -1 2>/dev/null  # every process here but the init and this shell: kill(2)
                t=0
                while [ $t -lt 100 ] && [ "$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ')" != 0 ]; do
                    sleep 0.05; t=$((t+1))
                done
                echo zombies=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ') Z ')
                """
            let run = TestHost.run(["-c", "unshare uts pid mount; chroot \(TestHost.rootfs); mount proc /proc; mount dev /dev; exec sh -c \(Safety.quoted(script))"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stderr)")
            let orphans = Int(run.lines.first { $0.hasPrefix("orphans=") }?.dropFirst(8) ?? "") ?? 0
            #expect(orphans >= 150, "the orphans were not reparented to PID 1: \(run.stdout) \(run.stderr)")
            #expect(run.lines.contains("zombies=0"), "\(run.stdout)")
            print("init: \(orphans) orphans reparented to PID 1 at once; \(run.lines.last ?? "") once they were killed")
        }
    }

    /// A wrapper that starts cfsh with every signal blocked (b) and/or SIGCHLD ignored
    /// (i): both survive execve (signal(7)). With SIGCHLD ignored the kernel reaps the
    /// children itself and wait4 finds none: every run said 125 before cfsh put it back.
    @Test func theStatusIsRightWhenStartedWithSIGCHLDIgnoredOrSignalsBlocked() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("sigmask")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let wrapper = try #require(Safety.compile("wrap", """
                #include <signal.h>
                #include <string.h>
                #include <unistd.h>
                int main(int argc, char **argv) {
                    sigset_t all;
                    sigfillset(&all);
                    if (strchr(argv[1], 'b')) sigprocmask(SIG_BLOCK, &all, 0);
                    if (strchr(argv[1], 'i')) signal(SIGCHLD, SIG_IGN);
                    execv(argv[2], argv + 2);
                    return 127;
                }
                """, into: directory))
            let cases: [(String, Int32)] = [
                ("exec sh -c 'exit 7'", 7), ("exec sh -c 'kill -9 $$'", 137),
                ("unshare pid; exec sh -c 'exit 7'", 7), ("unshare pid; exec sh -c 'kill -9 $$'", 137),
                ("unshare pid; set init off; exec sh -c 'exit 7'", 7), ("unshare pid; exec nonexistent-cfsh", 127),
                ("unshare uts; exec /etc/passwd", 126),
            ]
            for mode in ["b", "i", "bi"] {
                for (plan, expected) in cases {
                    let output = directory + "/out"
                    let status = TestHost.shell("CFSH_SANDBOX_TEST=\(marker) '\(wrapper)' \(mode) '\(TestHost.cfsh)' -c \(Safety.quoted(plan)) >'\(output)' 2>&1")
                    #expect(status == expected, "\(mode) \(plan): \(TestHost.read(output))")
                }
            }
            // And a forwarded SIGTERM, with every signal blocked at the start.
            let cfsh = Safety.Background("'\(wrapper)' b \(TestHost.cfsh) -c 'unshare pid; exec sleep 30'", marker: marker, directory: directory)
            try #require(cfsh.start())
            _ = try #require(Safety.waitForProcess(named: "sleep", marker: marker))
            kill(cfsh.pid, SIGTERM)
            #expect(cfsh.wait() == 128 + SIGTERM && cfsh.exited)
        }
    }
}

/// Issue 11, item 5: the command gets 0, 1 and 2 and nothing else, and its working
/// directory is inside its root (runc CVE-2024-21626: a leaked directory fd, or a cwd
/// left outside the root, lets the command reach the host's tree).
@Suite(.serialized, .needs(.sandbox))
struct FileDescriptorAndCwdTests {
    /// Walks `..` from the process's cwd (seen from the host through /proc/PID/cwd) until
    /// its root (/proc/PID/root) or the top: whether the cwd is inside its root.
    func cwdIsInsideRoot(_ pid: pid_t) -> Bool {
        var root = stat()
        guard stat("/proc/\(pid)/root", &root) == 0 else { return false }
        var fd = open("/proc/\(pid)/cwd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        for _ in 0..<256 {
            var here = stat()
            guard fstat(fd, &here) == 0 else { return false }
            if here.st_dev == root.st_dev && here.st_ino == root.st_ino { return true }
            let up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard up >= 0 else { return false }
            var above = stat()
            fstat(up, &above)
            close(fd)
            fd = up
            if above.st_dev == here.st_dev && above.st_ino == here.st_ino { return false }
        }
        return false
    }

    @Test(arguments: [
        "unshare uts pid mount; chroot ROOTFS; mount proc /proc; exec sleep 30",
        "unshare uts pid mount; chroot ROOTFS; cd /tmp; exec sleep 30",
        "unshare uts pid mount; pivot_root ROOTFS; mount proc /proc; exec sleep 30",
        "unshare uts pid mount; pivot_root ROOTFS; cd /etc; exec sleep 30",
        "unshare uts mount; set init off; pivot_root ROOTFS; exec sleep 30",
    ])
    func theCommandHasOnlyStdioAndItsCwdInsideItsRootEvenWhenCfshHadMore(_ plan: String) throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("fds")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let script = plan.replacingOccurrences(of: "ROOTFS", with: TestHost.rootfs)
            // cfsh started as `cfsh … 7</ 8</etc`: two directory fds of the host's tree.
            let cfsh = Safety.Background("\(TestHost.cfsh) -c \(Safety.quoted(script)) 7</ 8</etc",
                                         marker: marker, directory: directory)
            try #require(cfsh.start())
            let command = try #require(Safety.waitForProcess(named: "sleep", marker: marker), "\(cfsh.text)")
            let cfshFDs = Safety.openFDs(cfsh.pid)
            #expect(cfshFDs.contains("7") && cfshFDs.contains("8"), "the test's own setup: \(cfshFDs)")
            #expect(Safety.openFDs(command) == ["0", "1", "2"], "the command's fds")
            // The init, where there is one (the command's parent, in the sandbox).
            let parent = pid_t(TestHost.read("/proc/\(command)/status").split(separator: "\n")
                .first { $0.hasPrefix("PPid:") }?.split(separator: "\t").last ?? "") ?? 0
            if parent != cfsh.pid {
                #expect(Safety.openFDs(parent) == ["0", "1", "2"], "the init's fds")
            }
            #expect(cwdIsInsideRoot(command), "cwd \(TestHost.link("/proc/\(command)/cwd")) root \(TestHost.link("/proc/\(command)/root"))")
            kill(cfsh.pid, SIGTERM)
            #expect(cfsh.wait() == 128 + SIGTERM, "\(cfsh.text)")
        }
    }
}

/// Issue 11, item 7: escapes tried. Each test works on a copy of the busybox rootfs
/// (it writes into it) in a directory of its own, with a marker file next to the copy:
/// outside the root, on the host.
@Suite(.serialized, .needs(.sandbox))
struct EscapeTests {
    /// The classic escape for root in a chroot (chroot(2), NOTES): chroot into a new
    /// subdirectory while the cwd stays above it, `..` up to the real root (the walk stops
    /// only at the process's root, which is now below), chroot("."). Built static: the
    /// rootfs's busybox sh cannot chroot by itself.
    static let escape = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <sys/stat.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            if (argc < 2) return 2;
            mkdir("cfsh-escape", 0700);
            if (chroot("cfsh-escape") != 0) { perror("chroot"); return 3; }
            for (int i = 0; i < 256; i++) chdir("..");
            if (chroot(".") != 0) { perror("chroot ."); return 3; }
            int fd = open(argv[1], O_RDONLY);
            if (fd < 0) { printf("contained\\n"); return 1; }
            char text[128];
            ssize_t n = read(fd, text, sizeof text - 1);
            text[n > 0 ? n : 0] = 0;
            printf("escaped: %s\\n", text);
            return 0;
        }
        """

    @Test func theChrootEscapeReachesTheHostAfterChrootButNotAfterPivotRoot() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("escape")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let rootfs = Safety.copyOfRootfs(into: directory)
            let program = try #require(Safety.compile("escape", Self.escape, into: directory))
            _ = TestHost.shell("cp '\(program)' '\(rootfs)/escape'")
            let secret = directory + "/host-marker"
            _ = FileManager.default.createFile(atPath: secret, contents: Data("on the host \(marker)".utf8))

            let chrooted = TestHost.run(["-c", "unshare uts pid mount; chroot \(rootfs); exec /escape \(secret)"], marker: marker)
            #expect(chrooted.status == 0, "\(chrooted.stdout)\(chrooted.stderr)")
            #expect(chrooted.stdout == "escaped: on the host \(marker)\n")
            // …which is why such a plan is warned about (by lint: CFSLanguage/Lint.swift),
            // once, at the chroot, naming pivot_root. (The plan also gets lint's warning
            // that its PID namespace has no /proc of its own.)
            let warnings = chrooted.stderr.split(separator: "\n").filter { $0.contains("warning: chroot") }
            #expect(warnings.count == 1 && warnings[0].hasPrefix("<command line>:1:24: warning: chroot")
                    && warnings[0].contains("pivot_root"), "\(chrooted.stderr)")

            let pivoted = TestHost.run(["-c", "unshare uts pid mount; pivot_root \(rootfs); exec /escape \(secret)"], marker: marker)
            #expect(pivoted.status == 1, "\(pivoted.stdout)\(pivoted.stderr)")
            #expect(pivoted.stdout == "contained\n")
            #expect(!pivoted.stderr.contains("warning: chroot"), "\(pivoted.stderr)")
            // Without CAP_SYS_CHROOT the escape cannot start: no warning either.
            let dropped = TestHost.run(["-c", "unshare uts pid mount; chroot \(rootfs); cap drop sys_chroot; exec /escape \(secret)"], marker: marker)
            #expect(dropped.status == 3 && !dropped.stdout.contains("escaped"), "\(dropped.stdout)\(dropped.stderr)")
            #expect(!dropped.stderr.contains("warning: chroot"), "\(dropped.stderr)")
        }
    }

    /// runc CVE-2021-30465 (a mount target swapped for a symlink out of the rootfs) and
    /// CVE-2019-16884 (proc onto a symlink): refused before anything is mounted there.
    @Test func aMountTargetThatIsASymlinkOutOfTheRootIsRefused() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("symlinks")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let rootfs = Safety.copyOfRootfs(into: directory)
            let outside = directory + "/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: outside + "/untouched", contents: Data())
            _ = TestHost.shell("rm -rf '\(rootfs)/proc' && ln -s /etc '\(rootfs)/proc' && ln -s '\(outside)' '\(rootfs)/out' && mkdir '\(rootfs)/d' && ln -s ../../outside '\(rootfs)/d/up'")
            let cases: [(String, String)] = [
                ("mount proc \(rootfs)/proc; pivot_root \(rootfs)", "leads out of \(rootfs)"),
                ("mount tmpfs \(rootfs)/out; pivot_root \(rootfs)", "leads out of \(rootfs)"),
                ("mount bind /etc \(rootfs)/out; chroot \(rootfs)", "leads out of \(rootfs)"),
                ("mount tmpfs \(rootfs)/d/up; chroot \(rootfs)", "leads out of \(rootfs)"),
                ("mount tmpfs \(rootfs)/../outside; chroot \(rootfs)", "leads out of \(rootfs)"),
                ("pivot_root \(rootfs); mount proc /proc", "/proc: refused: it is a symlink (to /etc)"),
                ("chroot \(rootfs); mount sysfs /proc", "/proc: refused: it is a symlink (to /etc)"),
            ]
            for (steps, reason) in cases {
                let run = TestHost.run(["-c", "unshare uts pid mount; \(steps); exec ls /out"], marker: marker)
                #expect(run.status == 125, "\(steps): \(run.stderr)")
                #expect(run.stderr.contains("error: mount: ") && run.stderr.contains(reason), "\(steps): \(run.stderr)")
                #expect(run.stdout.isEmpty, "\(steps): the command ran")
            }
            // A plain directory is still fine, before the pivot and after it.
            let fine = TestHost.run(["-c", "unshare uts pid mount; mount tmpfs \(rootfs)/tmp; pivot_root \(rootfs); mount tmpfs /root; exec ls /out/"], marker: marker)
            #expect(fine.status == 1 || fine.status == 0, "\(fine.stderr)")
            #expect(!fine.stderr.contains("refused"), "\(fine.stderr)")
        }
    }

    /// runc CVE-2019-5736: root in the sandbox opens /proc/PID/exe of a process running
    /// the host's binary (cfsh's init is PID 1) and writes it. With `unshare user pid
    /// mount` + `pivot_root`, every /proc/N/exe is tried for writing, directly and by
    /// reopening an O_PATH fd through /proc/self/fd (the CVE's way): each must fail, and
    /// cfsh's hash is the same after. (Nothing is written: a successful open is the
    /// failure, and it is closed at once.)
    @Test func theHostsCfshCannotBeOpenedForWritingFromInside() throws {
        try withHostUnchanged { marker in
            let directory = Safety.temporaryDirectory("exe")
            defer { Safety.killLeftovers(marker: marker); Safety.remove(directory) }
            let rootfs = Safety.copyOfRootfs(into: directory)
            let program = try #require(Safety.compile("exe", """
                #define _GNU_SOURCE
                #include <dirent.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <stdio.h>
                #include <stdlib.h>
                #include <string.h>
                #include <unistd.h>
                int main(void) {
                    int writable = 0, tried = 0;
                    DIR *proc = opendir("/proc");
                    if (!proc) { perror("/proc"); return 2; }
                    struct dirent *entry;
                    while ((entry = readdir(proc))) {
                        if (!atoi(entry->d_name)) continue;
                        char path[64], again[64];
                        snprintf(path, sizeof path, "/proc/%s/exe", entry->d_name);
                        char target[256] = "";
                        if (readlink(path, target, sizeof target - 1) < 0) continue;
                        tried++;
                        int fd = open(path, O_WRONLY);
                        if (fd >= 0) { printf("writable: %s -> %s\\n", path, target); writable = 1; close(fd); }
                        else printf("%s -> %s: %s\\n", path, target, strerror(errno));
                        int handle = open(path, O_PATH);
                        if (handle < 0) continue;
                        snprintf(again, sizeof again, "/proc/self/fd/%d", handle);
                        fd = open(again, O_WRONLY);
                        if (fd >= 0) { printf("writable through O_PATH: %s\\n", path); writable = 1; close(fd); }
                        close(handle);
                    }
                    printf("tried %d\\n", tried);
                    return writable;
                }
                """, into: directory))
            _ = TestHost.shell("cp '\(program)' '\(rootfs)/exe'")
            func hash() -> String {
                let output = directory + "/hash"
                _ = TestHost.shell("sha256sum '\(TestHost.cfsh)' > '\(output)'")
                return TestHost.read(output)
            }
            let before = hash()
            let run = TestHost.run(["-c", "unshare user pid mount; mount proc \(rootfs)/proc; pivot_root \(rootfs); exec /exe"],
                                   marker: marker)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            #expect(run.stdout.contains("/proc/1/exe -> "), "PID 1, cfsh's init, was tried: \(run.stdout)")
            #expect(!run.stdout.contains("writable"), "\(run.stdout)")
            print("CVE-2019-5736 attempt: " + run.stdout.split(separator: "\n").joined(separator: "; "))
            #expect(hash() == before && !before.isEmpty)
        }
    }
}
