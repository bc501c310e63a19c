import Testing
@testable import CFSLanguage

@Suite struct PlanBuilderTests {
    @Test func namespaceRules() {
        #expect(firstError("set hostname c") == "1:1: 'set hostname' needs 'unshare uts' first")
        let d = diagnostics("set hostname c").first
        #expect(d?.fix == "add 'unshare uts' before this line: without it, it would rename the host")
        #expect(firstError("mount proc /proc") == "1:1: 'mount' needs 'unshare mount' first")
        #expect(firstError("umount /x") == "1:1: 'umount' needs 'unshare mount' first")
        #expect(firstError("pivot_root /r") == "1:1: 'pivot_root' needs 'unshare mount' first")
        #expect(firstError("map uid 0 0 1") == "1:1: 'map' needs 'unshare user' first")
        #expect(firstError("net up lo") == "1:1: 'net up' needs 'unshare net' first")
        #expect(firstError("set domainname d") == "1:1: 'set domainname' needs 'unshare uts' first")
        #expect(firstError("unshare all; set hostname c; mount proc /proc; map uid 0 0 1; net up lo") == nil)
        #expect(firstError("set init off; set trace on; set trace off") == nil)
        // The namespace must come earlier, not later.
        #expect(firstError("set hostname c; unshare uts") == "1:1: 'set hostname' needs 'unshare uts' first")
    }

    @Test func twiceIsAnError() {
        #expect(firstError("unshare uts\nset hostname a\nset hostname b") == "3:1: the hostname is already set, at line 2")
        #expect(firstError("set user 1; set user 2") == "1:13: the user is already set, at line 1")
        #expect(firstError("set init on; set init off") == "1:14: init is already set, at line 1")
        #expect(firstError("limit pids 5; limit memory 1m; limit pids 6") == "1:32: limit pids is already set, at line 1")
        #expect(firstError("rlimit nofile 5; rlimit core 0; rlimit nofile 6") == "1:33: rlimit nofile is already set, at line 1")
        #expect(firstError("unshare uts; unshare uts pid") == nil)
        #expect(firstError("unshare user; map uid 0 1000 10; map uid 5 2000 1") == "1:34: this uid map overlaps an earlier one")
        #expect(firstError("unshare user; map uid 0 1000 10; map uid 10 1005 1") == "1:34: this uid map overlaps an earlier one")
        #expect(firstError("unshare user; map uid 0 1000 10; map uid 10 1010 1; map gid 0 1000 1") == nil)
    }

    @Test func rootRules() {
        let user = FakeHost(isRoot: false)
        #expect(firstError("unshare uts", host: user) == "1:1: 'unshare' needs root, or add 'unshare user' to run rootless")
        #expect(firstError("chroot /", host: user) == "1:1: 'chroot' needs root, or add 'unshare user' to run rootless")
        #expect(firstError("unshare user uts; set hostname c", host: user) == nil)
        // What a user namespace made without root cannot do, said before anything runs.
        #expect(firstError("unshare user uts; set hostname c; limit pids 5", host: user)
                == "1:35: 'limit' needs cfsh run as root: the cgroup is made below cfsh's own, which only root may write: cgroups(7)")
        #expect(firstError("unshare user; set user 0", host: user)?.hasPrefix("1:15: 'set user' needs cfsh run as root") == true)
        #expect(firstError("unshare user; map uid 0 1000 1; map gid 0 1000 1", host: user) == nil)
        #expect(firstError("unshare user; map uid 0 0 1", host: user)
                == "1:15: without root only your own uid can be mapped, in one line: uid 1000")
        #expect(firstError("unshare user; map uid 0 1000 1; map uid 1 1001 1", host: user)?.hasPrefix("1:33: without root") == true)
        #expect(firstError("set env A=1; chdir /; rlimit core 0; no_new_privs; set trace on", host: user) == nil)
        #expect(firstError("unshare user; unshare pid mount; mount proc /proc", host: user) == nil)
        #expect(firstError("cap drop all", host: user)?.contains("needs root") == true)
        #expect(firstError("unshare uts", host: FakeHost(isRoot: true)) == nil)
    }

    @Test func chrootDirectory() {
        let host = FakeHost(files: ["/r": .directory, "/r/inner": .directory, "/f": .regularFile, "/rel": .directory,
                                    "/srv": .directory, "/srv/rel": .directory, "/r/x": .directory, "/r/x/y": .directory])
        #expect(firstError("chroot /r", host: host) == nil)
        #expect(firstError("chroot /nope", host: host) == "1:1: chroot: '/nope' does not exist")
        #expect(firstError("chroot /f", host: host) == "1:1: chroot: '/f' is not a directory")
        #expect(firstError("chroot rel", host: host) == nil)
        #expect(firstError("chdir /srv; chroot rel", host: host) == nil)
        #expect(firstError("chroot /r; chroot /inner", host: host) == nil)
        #expect(firstError("chroot /r; chroot /r", host: host) == "1:12: chroot: '/r' (/r/r on the host) does not exist")
        #expect(firstError("chroot /r; chdir x; chroot y", host: host) == nil)
        #expect(firstError("unshare mount; pivot_root /nope", host: host) == "1:16: pivot_root: '/nope' does not exist")
        #expect(firstError("chroot /nope", host: nil) == nil)
    }

    /// A bind source that is not there is an error before anything runs, resolved in
    /// the planned root (issue 11, item 2: it was found only by the sandbox, exit 125).
    @Test func bindSourceMustExist() {
        let host = FakeHost(files: ["/r": .directory, "/r/etc": .directory, "/f": .regularFile, "/srv": .directory])
        #expect(firstError("unshare mount; mount bind /srv /mnt", host: host) == nil)
        #expect(firstError("unshare mount; mount bind /f /mnt", host: host) == nil, "a file onto a file is fine")
        #expect(firstError("unshare mount; mount rbind /nope /mnt", host: host) == "1:16: mount: bind source '/nope' does not exist")
        #expect(firstError("unshare mount; chroot /r; mount bind /etc /mnt", host: host) == nil)
        #expect(firstError("unshare mount; chroot /r; mount bind /srv /mnt", host: host)
                == "1:27: mount: bind source '/srv' (/r/srv on the host) does not exist")
        #expect(firstError("unshare mount; mount bind /nope /mnt", host: nil) == nil)
    }

    @Test func mountsInAUserNamespace() {
        #expect(firstError("unshare user mount; mount proc /proc")
                == "1:21: 'mount proc' in a user namespace needs 'unshare pid' too (EPERM): it shows a pid namespace, which must belong to the new user namespace")
        #expect(firstError("unshare user mount; mount sysfs /sys")?.contains("needs 'unshare net' too") == true)
        #expect(firstError("unshare user mount pid; mount proc /proc; mount tmpfs /tmp") == nil)
        #expect(firstError("unshare mount; mount proc /proc") == nil, "without a user namespace the host's pid namespace will do")
        #expect(firstError("unshare user mount pid; pivot_root /r; mount proc /proc")
                == "1:40: 'mount proc' after 'pivot_root' fails in a user namespace (EPERM): the kernel mounts proc only where one is already fully visible, and pivot_root detached the host's")
        #expect(firstError("unshare user mount pid; mount proc /r/proc; pivot_root /r; mount proc /proc") == nil)
        #expect(firstError("unshare mount pid; pivot_root /r; mount proc /proc") == nil)
    }

    @Test func aLoadedFileAddsAndNeverRemoves() {
        let host = FakeHost(scripts: ["/f.cfs": "reset\nunshare pid\nundo\nundo\nunshare mount\n"])
        let result = compiled("unshare uts\nload /f.cfs\nshow", host: host)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(result.state.plan.namespaces == [.uts, .mount], "the file's reset and undo reach only its own lines")
    }

    @Test func undoAndReset() {
        var b = PlanBuilder()
        let at = SourceLocation(file: "t", line: 1, column: 1)
        func add(_ c: PlanCommand) -> Bool { b.add(c, at: at, host: nil).isEmpty }
        func undo() -> Bool { b.undo() }
        #expect(b.isEmpty)
        #expect(add(.unshare([.uts])))
        #expect(add(.step(.setHostname("a"))))
        #expect(!add(.step(.setHostname("b"))))
        #expect(b.plan.steps.map(\.action) == [.setHostname("a")])
        #expect(undo())
        #expect(b.plan.steps.isEmpty)
        #expect(add(.step(.setHostname("b"))))  // the setting is free again
        #expect(undo())
        #expect(undo())
        #expect(b.plan == Plan())
        #expect(b.isEmpty)
        #expect(!undo())
        #expect(add(.setInit(false)))
        b.reset(host: nil)
        #expect(b.plan == Plan() && b.isEmpty)
        #expect(firstError("unshare uts; set hostname a; undo; set hostname b") == nil)
        #expect(firstError("unshare uts; set hostname a; reset; set hostname b") == "1:37: 'set hostname' needs 'unshare uts' first")
    }

    @Test func severalErrorsAreReported() {
        #expect(diagnostics("unshar x\nset hostname c\nshow me\nlimit pids 0\n").map(\.location.line) == [1, 2, 3, 4])
        let all = diagnostics(String(repeating: "bad\n", count: 100))
        #expect(all.count == maxDiagnostics + 1)
        #expect(all.last?.message.hasPrefix("too many errors") == true)
    }
}

@Suite struct ResourceLimitSizeTests {
    @Test func limitsInBytesTakeSizeSuffixes() {
        let p = plan("rlimit stack 8m:16M; rlimit core 1g; rlimit fsize 1000")
        #expect(p?.steps.map(\.action) == [
            .rlimit(ResourceLimit(name: .stack, soft: 8 << 20, hard: 16 << 20)),
            .rlimit(ResourceLimit(name: .core, soft: 1 << 30, hard: 1 << 30)),
            .rlimit(ResourceLimit(name: .fsize, soft: 1000, hard: 1000)),
        ])
        #expect(p?.canonicalText == "rlimit stack 8m:16m\nrlimit core 1g\nrlimit fsize 1000\n")
        #expect(firstError("rlimit nofile 4k")?.contains("'4k' is not a valid limit") == true, "a count has no unit")
        #expect(firstError("rlimit stack 99999999999999999999g") != nil)
    }
}

/// Cap steps apply where written: a later step needing what they removed is refused
/// (the kernel would say EPERM: checked against the engine in CapabilityOrderTests).
@Suite struct CapabilityOrderTests {
    @Test func aStepAfterTheCapStepThatRemovedWhatItNeeds() {
        #expect(firstError("unshare mount; cap drop sys_admin; mount tmpfs /t")
                == "1:36: 'mount' needs CAP_SYS_ADMIN, which the cap step at line 1 removes: it would fail with EPERM")
        #expect(firstError("cap keep net_raw; chroot /")?.contains("needs CAP_SYS_CHROOT") == true)
        #expect(firstError("cap drop setpcap; cap drop net_raw")?.contains("needs CAP_SETPCAP") == true)
        #expect(firstError("cap drop setuid; set user 1000")?.contains("'set user' needs CAP_SETUID") == true)
        #expect(firstError("set user 1000; cap drop setgid")?.contains("removes CAP_SETGID, which 'set user' needs") == true)
        #expect(firstError("unshare net; cap drop all; net up lo")?.contains("needs CAP_NET_ADMIN") == true)
        // The working orders.
        #expect(firstError("unshare mount; mount tmpfs /t; cap drop all") == nil)
        #expect(firstError("cap drop net_raw; cap drop kill; chroot /") == nil)
        #expect(firstError("set user 1000; cap drop net_raw sys_admin") == nil)
        #expect(firstError("cap keep sys_admin setgid; set user 0:0") == nil, "uid 0 stays 0: no CAP_SETUID needed")
        #expect(firstError("cap keep sys_admin; set user 0:0")?.contains("'set user' needs CAP_SETGID") == true)
        #expect(firstError("cap drop sys_admin; undo; unshare mount; mount tmpfs /t") == nil)
    }
}
