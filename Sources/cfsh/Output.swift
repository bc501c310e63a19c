#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

/// Writes straight to a file descriptor with write(2). No stdio buffer: cfsh's own lines
/// and the sandbox's output share the terminal, so ours must be out before a run starts.
enum Output {
    static func out(_ text: String) { write(1, text) }
    static func err(_ text: String) { write(2, text) }

    /// Bytes as they are (a rendered diagnostic: CFSLanguage's `renderedBytes`).
    static func err(_ bytes: List<UInt8>) {
        _ = bytes.withContiguousStorageIfAvailable { write(2, $0) }
    }

    static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { write(fd, $0) }
    }

    private static func write(_ fd: Int32, _ buffer: UnsafeBufferPointer<UInt8>) {
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

/// strerror(3) as a Swift string: the engine's `Errno` says it once for both.
func errorText(_ code: Int32) -> String { Errno(code).description }
