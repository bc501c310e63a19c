/// Why one step failed, before the apply loop adds the step's index.
struct StepError: Error {
    /// "mount", "chroot", ...
    var step: String
    /// What it was applied to: a path, a name.
    var subject: String
    var errno: Errno
    /// Overrides strerror(errno) when the engine itself refused.
    var reason: String? = nil

    func failure(index: Int?, status: Int32 = 125) -> SandboxFailure {
        SandboxFailure(stepIndex: index, step: step, errno: errno.rawValue,
                       message: "\(step): \(subject): \(reason ?? errno.description)",
                       status: status)
    }
}

extension Syscalls {
    /// Runs one syscall of a step, turning its errno into the step's error.
    /// The subject is only formatted when the syscall failed.
    func attempt<T>(_ step: String, _ subject: @autoclosure () -> String,
                    _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as Errno {
            throw StepError(step: step, subject: subject(), errno: error)
        }
    }
}
