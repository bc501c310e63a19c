#if canImport(Glibc)
import Glibc
#endif

// `set trace on`: the talk's `Running [...] as PID` lines (written by the parent and the
// child through their kernel, as the write(2)s they are), and one line per call of each
// applied step, strace-style, on stderr (as `sh -x` traces), unbuffered.

/// The talk prints Go's `%v` of the arguments: `[echo Hello, world]`.
func talkArguments(_ argv: [String]) -> String {
    "[" + argv.joined(separator: " ") + "]"
}

/// Prints each call's description, then has `base` perform it. Chosen once, where the
/// child starts, from the plan's `trace` flag.
final class TracingKernel: Kernel {
    private let base: any Kernel
    init(_ base: any Kernel) { self.base = base }

    func perform(_ call: Syscall) throws(Errno) -> SyscallResult {
        _ = try? base.perform(.write(fd: 2, text: "+ " + call.description + "\n"))
        return try base.perform(call)
    }

    func stepStarts(_ index: Int?) { base.stepStarts(index) }
}
