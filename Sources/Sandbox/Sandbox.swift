#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage

/// The engine: runs a command in a sandbox built from a `Plan`. See Protocol.swift for
/// the parent↔child protocol, Parent.swift and Child.swift for the two halves.
public enum Sandbox {
    /// The hidden verb the parent re-executes itself with (`/proc/self/exe __cfsh_child`).
    public static let childVerb = "__cfsh_child"

    /// Entry point of the re-executed child: `cfsh __cfsh_child PLAN_FD SYNC_FD ERROR_FD`.
    public static func childMain() -> Never {
        childMainFromArgv(CommandLine.argc, CommandLine.unsafeArgv)
    }

    /// Runs argv in a sandbox built from plan. Blocks until it ends.
    public static func run(_ plan: Plan, argv: [String], options: RunOptions) -> RunOutcome {
        runParent(plan, argv: argv, options: options, kernel: LinuxKernel())
    }

    /// The syscalls the plan makes, in order, parent and child, one per line: the real
    /// parent and child code run against the recording kernel, so this cannot drift.
    /// `argv` nil: no command given; a placeholder `CMD` is shown as found.
    public static func explain(_ plan: Plan, argv: [String]?) -> [String] {
        explainRun(plan, argv: argv)
    }
}

public struct RunOptions: Sendable {
    /// The binary re-executed as the child. Tests pass the built cfsh binary.
    public var executable: String = "/proc/self/exe"
    /// Interactive shell: this terminal's foreground process group is handed to the
    /// sandbox before "go" and taken back (with the saved termios) after the run.
    public var terminalFD: Int32? = nil
    /// Called with the child's pid once the command has exec'd (EOF with no failure on
    /// the error pipe), while it runs and before the parent waits: `verify` (Verify.swift).
    public var whileRunning: (@Sendable (pid_t) -> Void)? = nil
    /// `step`: the child is held after each step until this answers (Stepping.swift).
    public var onStep: (@Sendable (HeldStep) -> StepAnswer)? = nil
    public init() {}
}

public enum RunOutcome: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// SIGKILL from the kernel's OOM killer in the sandbox's memory cgroup: `limit
    /// memory` was reached (the count of processes it killed).
    case killedByMemoryLimit(Int)
    case failed(SandboxFailure)
    /// Interactive only: stopped by Ctrl-Z (or SIGTTIN in the background); the shell
    /// keeps it as a job and finishes it later (Jobs.swift).
    case stopped(RunningSandbox)

    /// The exit status (README, "Using it"): N, 128+N for signal N, or the failure's status
    /// (125 setup, 126 not executable, 127 not found); stopped: 128+SIGTSTP, as sh says.
    public var status: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        case .killedByMemoryLimit: return 128 + SIGKILL
        case .stopped: return 128 + SIGTSTP
        case .failed(let failure): return failure.status
        }
    }
}

/// A step that could not be done, as a value: the engine's one error type (crun's), thrown
/// by every step above the calls' `Errno`, and it crosses the child→parent pipe as data.
public struct SandboxFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// Index into `plan.steps`; nil for the parent side or the command's exec.
    public var stepIndex: Int?
    /// "chroot", "mount", "sethostname", "exec", "clone3", ...
    public var step: String
    public var errno: Int32
    /// "chroot: /srv/rootfs: No such file or directory": without location.
    public var message: String
    /// 125 setup failed, 126 not executable, 127 not found.
    public var status: Int32
    /// Which of the man page's causes of this errno holds here, and the fix, found by
    /// looking at the system when the call failed (KernelErrors.swift); nil when none
    /// was found. One line, shown as a `note:`.
    public var cause: String?

    public init(stepIndex: Int?, step: String, errno: Int32, message: String, status: Int32,
                cause: String? = nil) {
        self.stepIndex = stepIndex
        self.step = step
        self.errno = errno
        self.message = message
        self.status = status
        self.cause = cause
    }

    public var description: String { message }

    /// The usual shape: `STEP: SUBJECT: strerror(errno)`, or `STEP: SUBJECT: REASON` when
    /// the engine itself refused.
    static func setup(_ step: String, _ subject: String, _ error: Errno, index: Int?,
                      status: Int32 = 125, reason: String? = nil) -> SandboxFailure {
        SandboxFailure(stepIndex: index, step: step, errno: error.rawValue,
                       message: step + ": " + subject + ": " + (reason ?? error.description),
                       status: status)
    }

    /// The same failure, at plan step `index`.
    func at(_ index: Int?) -> SandboxFailure {
        var failure = self
        failure.stepIndex = index
        return failure
    }
}
