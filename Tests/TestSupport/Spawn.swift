import Foundation

/// Runs `argv` with posix_spawn(3), stdin from /dev/null and stderr to /dev/null, and
/// waits for it with waitpid(2); returns its wait status and, when `capture`, its
/// standard output. The child starts with no signal blocked and every signal at its
/// default: the test runner blocks some signals, and a program that inherits a blocked
/// SIGCHLD waits forever for its children (a tmux server never reaps its panes, gdb
/// never sees its inferior stop). Foundation's Process passes the mask on.
public func spawnWithCleanSignals(_ argv: [String], capture: Bool = true) throws -> (status: Int32, output: String) {
    var pipeFDs: [Int32] = [-1, -1]
    guard pipe(&pipeFDs) == 0 else { throw POSIXError(.EIO) }
    _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture {
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
    close(pipeFDs[1])
    defer { close(pipeFDs[0]) }
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
    var output = Data()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while capture {
        let n = read(pipeFDs[0], &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        output.append(contentsOf: buffer[0..<n])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return (status, String(decoding: output, as: UTF8.self))
}
