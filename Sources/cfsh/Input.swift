import CFSLanguage
import Sandbox

/// Reading a script: a file, or standard input. Every failure is one sentence for
/// `cfsh: FILE: REASON` (exit 2), never a crash. The reading itself is the host's
/// (Sandbox/HostView.swift), which `load` uses too.
enum Input {
    struct Failure: Error { var reason: String }

    static func readFile(_ path: String) -> Result<[UInt8], Failure> {
        result(LinuxHost.readFile(path))
    }

    static func readAll(_ fd: Int32) -> Result<[UInt8], Failure> {
        result(LinuxHost.readAll(fd))
    }

    private static func result(_ file: ScriptFile) -> Result<[UInt8], Failure> {
        switch file {
        case .read(let bytes): return .success(bytes)
        case .failed(let reason): return .failure(Failure(reason: reason))
        }
    }
}
