#if canImport(Glibc)
import Glibc
#endif

/// Reading a script: a file, or standard input. Every failure is one sentence for
/// `cfsh: FILE: REASON` (exit 2), never a crash: a directory, a missing or unreadable
/// file, a FIFO that never ends is the user's to interrupt.
enum Input {
    struct Failure: Error { var reason: String }

    static func readFile(_ path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return .failure(Failure(reason: errorText(errno))) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            return .failure(Failure(reason: errorText(EISDIR)))
        }
        return readAll(fd)
    }

    static func readAll(_ fd: Int32) -> Result<[UInt8], Failure> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(reason: errorText(errno)))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}
