import CFSLanguage
import Foundation
import Glibc
import Testing
import TestSupport
@testable import Sandbox

/// Each kernel error of issue 12 provoked for real, and its cause line checked: through
/// the CLI where the checker lets the plan reach the kernel; through the engine's API
/// (which takes a plan as it is) where the checker refuses it first; in a user namespace
/// the test makes where the condition is a per-namespace setting (user.max_*_namespaces:
/// namespaces(7), "The /proc/sys/user directory" — the host's sysctls are never touched).
@Suite(.serialized, .needs(.sandbox))
struct KernelErrorsIntegrationTests {
    /// A scratch directory under TMPDIR (scripts/test checks it is left empty).
    func scratch() throws -> String {
        var template = Array((FileManager.default.temporaryDirectory.path + "/cfsh-kernel-errors-XXXXXX").utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        chmod(dir, 0o755)
        return dir
    }

    /// The note line under the error (the second `file:line:col:` line).
    /// The first note of the error (lint's warnings, printed before the run, have notes too).
    func note(_ stderr: String) -> String? {
        stderr.split(separator: "\n").drop { !$0.contains(": error: ") }.first { $0.contains(": note: ") }
            .map { String($0[$0.range(of: ": note: ")!.upperBound...]) }
    }

    // MARK: pivot_root(2)

    @Test func pivotRootAfterChrootIsEINVALBecauseTheRootIsNotAMountPoint() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount pid; chroot \(TestHost.rootfs); mount tmpfs /tmp; pivot_root /tmp; exec /bin/true"],
                                   marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: pivot_root: /tmp: Invalid argument"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("the current root '/' is not a mount point: chroot(2) made a directory the root (a 'chroot' step before this one, or a chroot cfsh runs in; pivot_root(2) EINVAL); use 'pivot_root DIR'") == true, "\(run.stderr)")
        }
    }

    @Test func pivotRootOfTheRootItselfIsEBUSY() {
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount pid; pivot_root /; exec /bin/true"], marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: pivot_root: /: Device or resource busy"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("'/' is on the mount that is the current root (pivot_root(2) EBUSY") == true, "\(run.stderr)")
        }
    }

    // MARK: mount(2), umount(2)

    // The plan rules refuse `mount proc` and `mount sysfs` in the plan's own user
    // namespace without pid/net, and proc after pivot_root there — in the checker and
    // again in the child. The same conditions are real for a cfsh that runs as root of
    // a user namespace the test makes: its plan has no user namespace of its own.

    @Test func procInAUserNamespaceWithoutItsOwnPIDNamespaceIsEPERM() {
        withHostUnchanged { marker in
            let run = inOwnUserNamespace("exec \"$CFSH\" -c 'unshare mount; mount proc /proc; exec /bin/true'", marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: mount: /proc: Operation not permitted"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("the pid namespace proc would show is not owned by the sandbox's user namespace") == true, "\(run.stderr)")
            #expect(note(run.stderr)?.hasSuffix("add pid to the 'unshare' line: a new one belongs to the sandbox's user namespace") == true)
        }
    }

    @Test func sysfsInAUserNamespaceWithoutItsOwnNetNamespaceIsEPERM() {
        withHostUnchanged { marker in
            let run = inOwnUserNamespace("exec \"$CFSH\" -c 'unshare mount; mount sysfs /sys; exec /bin/true'", marker: marker)
            #expect(run.status == 125)
            #expect(note(run.stderr)?.hasPrefix("the net namespace sysfs would show is not owned by the sandbox's user namespace") == true, "\(run.stderr)")
        }
    }

    @Test func procAfterPivotRootInAUserNamespaceIsEPERMWithNoProcVisible() {
        withHostUnchanged { marker in
            let run = inOwnUserNamespace("exec \"$CFSH\" -c 'unshare mount pid; pivot_root \(TestHost.rootfs); mount proc /proc; exec /bin/true'",
                                         marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: mount: /proc: Operation not permitted"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("no proc is mounted here to read /proc/self/mountinfo from, and outside the initial user namespace the kernel mounts proc only where one is already fully visible") == true, "\(run.stderr)")
        }
    }

    @Test func overlayWithWorkdirOnAnotherFileSystemIsEINVAL() throws {
        let dir = try scratch()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        for sub in ["lower", "upper", "work", "target"] { mkdir(dir + "/" + sub, 0o755) }
        withHostUnchanged { marker in
            // workdir becomes a tmpfs of its own inside the sandbox: upperdir stays on TMPDIR's.
            let run = TestHost.run(["-c", "unshare mount; mount tmpfs \(dir)/work; mount overlay \(dir)/target lowerdir=\(dir)/lower,upperdir=\(dir)/upper,workdir=\(dir)/work; exec /bin/true"],
                                   marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("Invalid argument"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("upperdir \(dir)/upper and workdir \(dir)/work are on different file systems") == true, "\(run.stderr)")
        }
    }

    @Test func umountOfTheWorkingDirectorysMountIsEBUSY() throws {
        let dir = try scratch()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount; mount tmpfs \(dir); chdir \(dir); umount \(dir); exec /bin/true"], marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("umount: \(dir): Device or resource busy"), "\(run.stderr)")
            #expect(note(run.stderr) == "the sandbox's working directory is on '\(dir)' (umount(2) EBUSY: the mount is in use); 'chdir' out of it before 'umount'")
        }
    }

    @Test func umountOfAMountWithAMountOnItIsEBUSY() throws {
        let dir = try scratch()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        mkdir(dir + "/inner", 0o755)
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount; mount bind \(dir) \(dir); mount tmpfs \(dir)/inner; umount \(dir); exec /bin/true"],
                                   marker: marker)
            #expect(run.status == 125)
            #expect(note(run.stderr) == "\(dir)/inner is mounted on it (umount(2) EBUSY); 'umount \(dir)/inner' first", "\(run.stderr)")
        }
    }

    @Test func umountOfADirectoryIsEINVAL() throws {
        let dir = try scratch()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        withHostUnchanged { marker in
            let run = TestHost.run(["-c", "unshare mount; umount \(dir); exec /bin/true"], marker: marker)
            #expect(run.status == 125)
            #expect(note(run.stderr) == "'\(dir)' is not a mount point (umount(2) EINVAL); umount the directory something is mounted on", "\(run.stderr)")
        }
    }

    // MARK: sethostname(2)

    @Test func sethostnameWithoutAMappedRootIsEPERM() {
        withHostUnchanged { marker in
            // Root outside maps to uid 1 inside: the re-exec keeps no capability there.
            let run = TestHost.run(["-c", "unshare user uts; map uid 1 0 1; set hostname c; exec /bin/true"], marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: sethostname: the plan maps no uid 0 inside the user namespace"), "\(run.stderr)")
            #expect(note(run.stderr) == nil, "the message is the cause; no second one beside it")
        }
    }

    // MARK: uid_map, gid_map (written by the parent)

    /// A process in a new user namespace whose maps this program writes (as the user it
    /// runs as), as cfsh's parent does: clone(CLONE_NEWUSER) keeps the child dumpable,
    /// so its map files belong to that user (unshare(2) after a uid change would not).
    /// Writes "PID ERRNO" of the last write to `out`, then waits for `out`.done.
    static let mapWriter = """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <sched.h>
        #include <signal.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/syscall.h>
        #include <sys/wait.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            int p[2];
            if (pipe(p) != 0) return 1;
            pid_t pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
            if (pid == 0) { char c; close(p[1]); read(p[0], &c, 1); _exit(0); }
            if (pid < 0) return 2;
            int err = 0;
            for (int i = 2; i + 1 < argc; i += 2) {
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/%s", pid, argv[i]);
                int fd = open(path, O_WRONLY);
                err = fd < 0 || write(fd, argv[i + 1], strlen(argv[i + 1])) < 0 ? errno : 0;
                if (fd >= 0) close(fd);
            }
            FILE *f = fopen(argv[1], "w");
            fprintf(f, "%d %d\\n", pid, err);
            fclose(f);
            char done[4096];
            snprintf(done, sizeof done, "%s.done", argv[1]);
            for (int i = 0; i < 3000 && access(done, F_OK) != 0; i++) usleep(10000);
            close(p[1]);
            waitpid(pid, 0, 0);
            return 0;
        }
        """

    /// Runs the map writer (as `user`, or root), and gives `look` the pid of its child
    /// and the errno of its last write while the child is alive.
    func withMapWrite(as user: String?, _ writes: [String], look: (pid_t, Int32) -> Void) throws {
        let dir = try scratch()
        defer { _ = TestHost.shell("rm -rf '\(dir)'") }
        chmod(dir, 0o777)
        let compiled = Safety.compile("mapwriter", Self.mapWriter, into: dir)
        let binary = try #require(compiled)
        let prefix = user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups"] } ?? []
        let started = TestHost.start(prefix + [binary, dir + "/out"] + writes)
        let writer = try #require(started)
        defer {
            _ = FileManager.default.createFile(atPath: dir + "/out.done", contents: nil)
            var status: Int32 = 0
            waitpid(writer, &status, 0)
        }
        #expect(TestHost.waitUntil(timeout: 10) { TestHost.read(dir + "/out").hasSuffix("\n") })
        let fields = TestHost.read(dir + "/out").split(separator: " ")
        guard fields.count == 2, let pid = pid_t(fields[0]), let error = Int32(fields[1].dropLast()) else {
            Issue.record("the map writer said \(TestHost.read(dir + "/out"))")
            return
        }
        look(pid, error)
    }

    @Test func aSecondWriteOfUidMapIsEPERM() throws {
        try withMapWrite(as: nil, ["uid_map", "0 0 1\n", "uid_map", "0 0 1\n"]) { pid, error in
            #expect(error == EPERM)
            // The engine's own write, onto the map the writer wrote: EPERM, and why.
            do throws(SandboxFailure) {
                try parentWriteIDMaps(makePlan([.user]), pid: pid, kernel: LinuxKernel())
                Issue.record("the second write of uid_map succeeded")
            } catch {
                #expect(error.errno == EPERM)
                #expect(error.cause?.hasPrefix("/proc/PID/uid_map was written already (it holds 0 0 1): a map can be written only once") == true,
                        "\(error)")
            }
        }
    }

    /// LinuxKernel as seen by cfsh run by `uid`: the facts are the real kernel's, the
    /// invoking ids those of the unprivileged writer.
    final class Unprivileged: Kernel {
        let kernel = LinuxKernel()
        let id: Int
        init(_ id: Int) { self.id = id }
        func perform(_ call: Syscall) throws(Errno) -> SyscallResult {
            switch call {
            case .getuid, .getgid, .geteuid: return .returned(id)
            default: return try kernel.perform(call)
            }
        }
    }

    @Test(.needs(.rootless)) func aRootlessGidMapBeforeSetgroupsDenyIsEPERM() throws {
        try withMapWrite(as: "65534", ["uid_map", "0 65534 1\n", "gid_map", "0 65534 1\n"]) { pid, error in
            #expect(error == EPERM)
            let cause = parentLookWhyIDMapFailed(Errno(error), file: "gid_map", written: [IDMap(inside: 0, outside: 65534, count: 1)],
                                                 pid: pid, kernel: Unprivileged(65534))
            #expect(cause?.hasPrefix("/proc/PID/setgroups holds 'allow': without CAP_SETGID in the parent namespace, gid_map may be written only after 'deny'") == true,
                    "\(String(describing: cause))")
        }
    }

    @Test(.needs(.rootless)) func aRootlessMapOfAnotherUsersIdIsEPERM() throws {
        try withMapWrite(as: "65534", ["uid_map", "0 0 1\n"]) { pid, error in
            #expect(error == EPERM)
            let cause = parentLookWhyIDMapFailed(Errno(error), file: "uid_map", written: [IDMap(inside: 0, outside: 0, count: 1)],
                                                 pid: pid, kernel: Unprivileged(65534))
            #expect(cause?.hasPrefix("without root (cfsh runs as uid 65534) only your own uid 65534 can be mapped, in one line of count 1; 0 is not mapped") == true,
                    "\(String(describing: cause))")
        }
    }

    // MARK: clone3(2) (the parent)

    @Test func clone3WithoutCapSysAdminIsEPERM() {
        withHostUnchanged { marker in
            var environment = TestHost.environment
            environment["CFSH_SANDBOX_TEST"] = marker
            let run = TestHost.run(argv: ["/usr/bin/setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin",
                                          TestHost.cfsh, "-c", "unshare uts; exec /bin/true"],
                                   environment: environment, newSession: true)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: clone3: unshare uts: Operation not permitted"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("cfsh holds no CAP_SYS_ADMIN (it runs as root without it in its effective set") == true, "\(run.stderr)")
        }
    }

    /// `shell` run as root of a user namespace of the test's own, where it lowers a
    /// user.max_*_namespaces limit before it runs cfsh (the limit holds for that
    /// namespace and below; the host's is untouched). `$CFSH` is the cfsh under test.
    func inOwnUserNamespace(_ shell: String, marker: String) -> TestHost.Run {
        var environment = TestHost.environment
        environment["CFSH_SANDBOX_TEST"] = marker
        environment["CFSH"] = TestHost.cfsh
        return TestHost.run(argv: ["/usr/bin/unshare", "--user", "--map-root-user", "/bin/sh", "-c", shell],
                            environment: environment, newSession: true)
    }

    @Test func clone3WithAZeroNamespaceLimitIsENOSPC() {
        withHostUnchanged { marker in
            let run = inOwnUserNamespace("echo 0 > /proc/sys/user/max_pid_namespaces && exec \"$CFSH\" -c 'unshare uts pid; exec /bin/true'",
                                         marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: clone3: unshare uts pid: No space left on device"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("user.max_pid_namespaces is 0 (/proc/sys/user/max_pid_namespaces): no pid namespace may be made here") == true, "\(run.stderr)")
        }
    }

    @Test func clone3OfAUserNamespaceWhereNoneIsAllowedIsENOSPC() {
        withHostUnchanged { marker in
            let run = inOwnUserNamespace("echo 0 > /proc/sys/user/max_user_namespaces && exec \"$CFSH\" -c 'unshare user uts; exec /bin/true'",
                                         marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: clone3: unshare uts user: No space left on device"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("user.max_user_namespaces is 0 (/proc/sys/user/max_user_namespaces): no user namespace may be made here") == true, "\(run.stderr)")
        }
    }

    @Test func clone3WithANamespaceLimitReachedIsENOSPC() {
        withHostUnchanged { marker in
            // One UTS namespace made (and held by a sleep) under a limit of 1, then cfsh's.
            let run = inOwnUserNamespace("""
                echo 1 > /proc/sys/user/max_uts_namespaces || exit 1
                /usr/bin/unshare --uts /bin/sleep 10 & held=$!
                until [ "$(readlink /proc/$held/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]; do sleep 0.01; done
                "$CFSH" -c 'unshare uts; exec /bin/true'; status=$?
                kill $held; wait $held; exit $status
                """, marker: marker)
            #expect(run.status == 125)
            #expect(run.stderr.contains("error: clone3: unshare uts: No space left on device"), "\(run.stderr)")
            #expect(note(run.stderr)?.hasPrefix("a per-user limit on namespaces was reached (clone(2) ENOSPC; namespaces(7)): here user.max_uts_namespaces = 1") == true, "\(run.stderr)")
        }
    }
}
