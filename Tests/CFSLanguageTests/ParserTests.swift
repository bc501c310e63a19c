import Testing
@testable import CFSLanguage

@Suite struct ParserTests {
    @Test func sessionCommands() {
        #expect(kinds("exec /bin/sh -c 'echo hi'") == [.exec(["/bin/sh", "-c", "echo hi"])])
        #expect(kinds("print a  b\nprint") == [.print("a b"), .print("")])
        #expect(kinds("show;explain;reset;undo;history;quit") == [.show, .explain(nil), .reset, .undo, .history, .quit])
        #expect(kinds("load f.cfs; save x; save -f y") == [.load(path: "f.cfs"), .save(path: "x", force: false), .save(path: "y", force: true)])
        #expect(kinds("help; help mount; exit; exit 255") == [.help(topic: nil), .help(topic: "mount"), .exit(status: nil), .exit(status: 255)])
    }

    @Test func planCommands() {
        #expect(kinds("unshare uts pid; unshare all") == [.plan(.unshare([.uts, .pid])), .plan(.unshare(List(Namespace.allCases)))])
        #expect(kinds("set hostname c; set domainname d") == [.plan(.step(.setHostname("c"))), .plan(.step(.setDomainname("d")))])
        #expect(kinds("set env A=b=c; set env E=; unset env A; clear env") == [
            .plan(.step(.setEnv(name: "A", value: "b=c"))), .plan(.step(.setEnv(name: "E", value: ""))),
            .plan(.step(.unsetEnv("A"))), .plan(.step(.clearEnv)),
        ])
        #expect(kinds("set user 1000; set user 1:2; set trace on; set init off") == [
            .plan(.setUser(UserIDs(uid: 1000, gid: nil))), .plan(.setUser(UserIDs(uid: 1, gid: 2))),
            .plan(.setTrace(true)), .plan(.setInit(false)),
        ])
        #expect(kinds("map gid 0 1000 1") == [.plan(.map(.gid, IDMap(inside: 0, outside: 1000, count: 1)))])
        #expect(kinds("umount /mnt; chroot r; pivot_root /r; cd /; chdir /x") == [
            .plan(.step(.umount(target: "/mnt"))), .plan(.step(.chroot("r"))), .plan(.step(.pivotRoot("/r"))),
            .plan(.step(.chdir("/"))), .plan(.step(.chdir("/x"))),
        ])
        #expect(kinds("limit pids 10; limit memory 64M; limit cpu 0.25") == [
            .plan(.limit(.pids(10))), .plan(.limit(.memoryBytes(64 << 20))), .plan(.limit(.cpuMillis(250))),
        ])
        #expect(kinds("rlimit NOFILE 10:20; rlimit rlimit_core 0; rlimit as unlimited") == [
            .plan(.step(.rlimit(ResourceLimit(name: .nofile, soft: 10, hard: 20)))),
            .plan(.step(.rlimit(ResourceLimit(name: .core, soft: 0, hard: 0)))),
            .plan(.step(.rlimit(ResourceLimit(name: .as, soft: nil, hard: nil)))),
        ])
        #expect(kinds("cap drop all; cap keep CAP_SYS_ADMIN chown sys_admin; no_new_privs; net up lo") == [
            .plan(.step(.capDrop(.all))),
            .plan(.step(.capKeep(.some([Capability(number: 0), Capability(number: 21)])))),
            .plan(.step(.noNewPrivs)), .plan(.step(.netUp(interface: "lo"))),
        ])
    }

    @Test func mounts() {
        #expect(kinds("mount proc /proc; mount tmpfs /t size=64m,mode=755,nosuid; mount bind /a /b ro") == [
            .plan(.step(.mount(Mount(kind: .proc, source: nil, target: "/proc", options: [])))),
            .plan(.step(.mount(Mount(kind: .tmpfs, source: nil, target: "/t", options: ["size=64m", "mode=755", "nosuid"])))),
            .plan(.step(.mount(Mount(kind: .bind, source: "/a", target: "/b", options: ["ro"])))),
        ])
        #expect(firstError("mount tmpfs /t sise=1m") == "1:16: unknown mount option 'sise=1m'; did you mean 'size'?")
        #expect(firstError("mount proc /proc size=1m") == "1:18: 'size' is not an option of proc mounts")
        #expect(firstError("mount overlay /m") == "1:1: an overlay mount needs lowerdir=DIR")
        #expect(firstError("mount overlay /m upperdir=/u") == "1:18: an overlay mount needs lowerdir=DIR")
        #expect(firstError("mount overlay /m lowerdir=/l,upperdir=/u") == "1:18: an overlay mount takes upperdir= and workdir= together")
        #expect(firstError("mount tmpfs /t ro,,rw") == "1:16: empty mount option in 'ro,,rw'")
        #expect(firstError("mount tmpfs /t size") == "1:16: mount option 'size' needs a value")
        #expect(firstError("mount bind /a") == "1:1: 'mount' needs TARGET")
        #expect(firstError("mount prok /proc") == "1:7: unknown mount type 'prok'; did you mean 'proc'?")
    }

    @Test func didYouMean() {
        #expect(firstError("unshare uts\nset hostnme c") == "2:5: unknown subcommand 'hostnme' for 'set'; did you mean 'hostname'?")
        #expect(firstError("unshar uts") == "1:1: unknown command 'unshar'; did you mean 'unshare'?")
        #expect(firstError("unshare uts pdi") == "1:13: unknown namespace 'pdi'; did you mean 'pid'?")
        #expect(firstError("cap drop sys_admn") == "1:10: unknown capability 'sys_admn'; did you mean 'sys_admin'?")
        #expect(firstError("rlimit nofiles 1") == "1:8: unknown resource 'nofiles'; did you mean 'nofile'?")
        #expect(firstError("frobnicate") == "1:1: unknown command 'frobnicate'")
        #expect(firstError("'a\nb\u{1B}'") == "1:1: unknown command 'a\\nb\\u{1B}'")
        #expect(suggestion(for: "pivot", among: commandWords) == "pivot_root")
        #expect(suggestion(for: "x", among: ["ipc"]) == nil)
    }

    @Test func wrongArguments() {
        #expect(firstError("set hostname") == "1:1: 'set hostname' needs NAME")
        #expect(firstError("set hostname a b") == "1:16: unexpected argument 'b' to 'set hostname'")
        #expect(firstError("show me") == "1:6: unexpected argument 'me' to 'show'")
        #expect(firstError("exec") == "1:1: 'exec' needs a command to run")
        #expect(firstError("unshare") == "1:1: 'unshare' needs at least one namespace")
        #expect(firstError("set env 1A=b") == "1:9: '1A' is not a valid variable name: letters, digits and _, not starting with a digit")
        #expect(firstError("set env A") == "1:9: 'A' is not NAME=VALUE")
        #expect(firstError("set trace maybe") == "1:11: unknown value 'maybe' for 'set trace'")
        #expect(firstError("chroot ''") == "1:8: DIR must not be empty")
        #expect(firstError("net up abcdefghijklmnop") == "1:8: 'abcdefghijklmnop' is not a valid interface name: at most 15 bytes, no '/' or blanks")
        #expect(firstError("set hostname " + String(repeating: "h", count: 65))?.hasSuffix("at most 64") == true)
        #expect(firstError("cap keep") == "1:1: 'cap keep' needs capability names")
        #expect(firstError("cap drop all chown") == "1:10: unknown capability 'all'; 'all' must be alone")
        #expect(firstError("rlimit nofile 20:10") == "1:15: the soft limit is above the hard limit")
        #expect(firstError("rlimit nofile unlimited:10") == "1:15: the soft limit is above the hard limit")
    }

    @Test func strictNumbers() {
        let pids = "expected a whole number from 1 to 4194304"
        for bad in ["-1", "0", "18446744073709551616", "1e3", "+5", "0x10", "١٢", "4194305", "", "1.0", " 1"] {
            #expect(firstError("limit pids '\(bad)'") == "1:12: '\(bad)' is not a valid number of pids: \(pids)", "\(bad)")
        }
        #expect(firstError("exit 256") == "1:6: '256' is not a valid exit status: expected a whole number from 0 to 255")
        #expect(firstError("map uid 0 0 0")?.hasSuffix("expected a whole number from 1 to 4294967295") == true)
        #expect(firstError("map uid 4294967295 0 1")?.contains("from 0 to 4294967294") == true)
        #expect(firstError("map uid 4294967290 0 10") == "1:22: the range 4294967290+10 goes past the largest id, 4294967294")
        #expect(firstError("set user -1")?.contains("is not a valid user id") == true)
        #expect(firstError("set user 1:x")?.contains("'x' is not a valid group id") == true)
        #expect(firstError("rlimit nofile 18446744073709551615")?.contains("is not a valid limit") == true)
    }

    @Test func sizesAndCPU() throws {
        func size(_ s: String) -> UInt64? { try? parseSize(Word(s, at: .init(file: "", line: 1, column: 1))) }
        func cpu(_ s: String) -> UInt64? { try? parseCPU(Word(s, at: .init(file: "", line: 1, column: 1))) }
        #expect(size("1m") == 1 << 20)
        #expect(size("1048576") == 1 << 20)
        #expect(size("2G") == 2 << 30)
        #expect(size("1024k") == 1 << 20)
        #expect(size("4294967296g") == 1 << 62)
        for bad in ["1048575", "1023k", "4294967297g", "1t", "m", "1.5m", "-1m", "99999999999999999999k"] {
            #expect(size(bad) == nil, "\(bad)")
        }
        #expect(cpu("0.5") == 500)
        #expect(cpu("2") == 2000)
        #expect(cpu("0.001") == 1)
        #expect(cpu("1024") == 1_024_000)
        #expect(cpu("1.25") == 1250)
        for bad in ["0", "0.0001", "1024.001", "1025", ".5", "1.", "-1", "1e1", "0,5"] {
            #expect(cpu(bad) == nil, "\(bad)")
        }
        #expect(cpuText(500) == "0.5")
        #expect(cpuText(1) == "0.001")
        #expect(cpuText(1250) == "1.25")
        #expect(cpuText(3000) == "3")
        #expect(sizeText(64 << 20) == "64m")
        #expect(sizeText((1 << 20) + 1) == "1048577")
    }

    @Test func helpTopics() {
        #expect(helpEntries(for: "set").count == 8)
        #expect(helpEntries(for: "cd").first?.id == .chdir)
        #expect(helpEntries(for: "nope").isEmpty)
    }
}
