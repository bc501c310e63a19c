#if canImport(Glibc)
import Glibc
#endif
import Sandbox

/// Writes straight to a file descriptor with write(2). No stdio buffer: cfsh's own lines
/// and the sandbox's output share the terminal, so ours must be out before a run starts.
enum Output {
    static func out(_ text: String) { write(1, text) }
    static func err(_ text: String) { write(2, text) }

    static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE and friends: nobody is listening; nothing useful to do.
                }
                offset += n
            }
        }
    }
}

/// strerror(3) as a Swift string: the engine's `Errno` says it once for both.
func errorText(_ code: Int32) -> String { Errno(code).description }
