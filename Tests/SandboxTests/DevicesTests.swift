import CFSLanguage
import Glibc
import Testing
@testable import Sandbox

/// `mount dev` and `mount overlay` against the recording double.
@Suite struct DevicesTests {
    @Test func hostDevicesAreClonedBeforeTheFirstStepAndMovedAtTheDevStep() {
        let result = apply(makePlan([.mount], [.chroot("/r"), mountStep(.dev, "/dev")]))
        #expect(result.failure == nil)
        let calls = result.calls
        let clones = calls.indices.filter { calls[$0].hasPrefix("open_tree(") }
        let chroot = calls.firstIndex(of: #"chroot("/r")"#)!
        #expect(clones.count == 6)
        #expect(clones.allSatisfy { $0 < chroot }, "cloned while / is still the host's")
        #expect(calls[clones[0]] == #"open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) = 3"#)
        #expect(Array(calls[(chroot + 2)...]) == [
            #"mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=755")"#,
            #"open("/dev/null", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(3, "", AT_FDCWD, "/dev/null", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"open("/dev/zero", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(4, "", AT_FDCWD, "/dev/zero", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"open("/dev/full", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(5, "", AT_FDCWD, "/dev/full", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"open("/dev/random", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(6, "", AT_FDCWD, "/dev/random", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"open("/dev/urandom", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(7, "", AT_FDCWD, "/dev/urandom", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"open("/dev/tty", O_WRONLY|O_CREAT|O_CLOEXEC, 0666)"#,
            #"move_mount(8, "", AT_FDCWD, "/dev/tty", MOVE_MOUNT_F_EMPTY_PATH)"#,
            #"symlink("/proc/self/fd", "/dev/fd")"#,
            #"symlink("/proc/self/fd/0", "/dev/stdin")"#,
            #"symlink("/proc/self/fd/1", "/dev/stdout")"#,
            #"symlink("/proc/self/fd/2", "/dev/stderr")"#,
            #"symlink("pts/ptmx", "/dev/ptmx")"#,
            #"mkdir("/dev/pts", 0755)"#,
            #"mount("devpts", "/dev/pts", "devpts", MS_NOSUID|MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")"#,
            #"mkdir("/dev/shm", 01777)"#,
        ])
    }

    @Test func devptsIsOptionalButEverythingElseIsNot() {
        // mount #1 makes / private, #2 is the tmpfs, #3 devpts.
        let noPts = apply(makePlan([.mount], [mountStep(.dev, "/dev")])) { $0.fail("mount", with: EPERM, occurrence: 3) }
        #expect(noPts.failure == nil)
        #expect(noPts.calls.last == #"mkdir("/dev/shm", 01777)"#)
        let noBind = apply(makePlan([.mount], [.chdir("/"), mountStep(.dev, "/d")])) { $0.fail("move_mount", with: EPERM) }
        #expect(noBind.failure?.stepIndex == 1)
        #expect(noBind.failure?.message == "mount: dev: /dev/null on /d/null: Operation not permitted")
        let noClone = apply(makePlan([.mount], [.chdir("/"), mountStep(.dev, "/d")])) { $0.fail("open_tree", with: ENOSYS) }
        #expect(noClone.failure?.stepIndex == 1)
        #expect(noClone.failure?.message == "mount: dev: cloning /dev/null: Function not implemented")
        #expect(!noClone.calls.contains(#"chdir("/")"#), "nothing ran")
    }

    @Test func withoutAMountNamespaceNothingIsCloned() {
        let result = apply(makePlan([], [mountStep(.dev, "/dev")]))
        #expect(result.calls.isEmpty)
        #expect(result.failure?.errno == EPERM)
    }

    @Test func overlayPassesItsDirectoriesAsData() {
        let options = ["lowerdir=/l", "upperdir=/u", "workdir=/w", "ro"]
        let result = apply(makePlan([.mount], [mountStep(.overlay, "/m", options)]))
        #expect(result.calls.last == #"mount("overlay", "/m", "overlay", MS_RDONLY, "lowerdir=/l,upperdir=/u,workdir=/w")"#)
        let failed = apply(makePlan([.mount], [mountStep(.overlay, "/m", options)])) { $0.fail("mount", with: EINVAL, occurrence: 2) }
        #expect(failed.failure?.message == "mount: overlay on /m: Invalid argument")
    }
}
