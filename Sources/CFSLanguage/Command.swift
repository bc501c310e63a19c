/// A parsed command: what one `;`-separated piece of a line says, with where it starts.
public struct Command: Sendable {
    public var kind: CommandKind
    public var location: SourceLocation
    public init(_ kind: CommandKind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

public enum CommandKind: Sendable, Equatable {
    /// Adds to the plan (`unshare`, `set`, `mount`, `limit`, ...).
    case plan(PlanCommand)
    /// `exec CMD ARGS...`: run the plan.
    case exec([String])
    /// `print TEXT...`: the words joined by one space.
    case print(String)
    case show
    /// `explain [CMD ARGS...]`: nil when no command is given.
    case explain([String]?)
    case reset
    case undo
    case load(path: String)
    case save(path: String, force: Bool)
    case help(topic: String?)
    case history
    case quit
    case exit(status: Int32?)
    /// Job control, interactive (Ctrl-Z): list, resume in the foreground or background.
    case jobs
    case foreground(job: Int?)
    case background(job: Int?)
    /// `verify [PID]`: nil: the plan's own sandbox, built to be checked.
    case verify(pid: Int32?)
    /// `set verify on|off`: a setting of the session, not of the plan.
    case setVerify(Bool)
    /// `step CMD ARGS...`: `exec`, held after each step.
    case step([String])
    /// `set lint on|off`: a setting of the session, not of the plan (Lint.swift).
    case setLint(Bool)
}

/// What a plan command adds to the plan. The validator folds these into a `Plan`.
public enum PlanCommand: Sendable, Equatable {
    case unshare(List<Namespace>)
    case map(IDKind, IDMap)
    case limit(LimitSetting)
    case setTrace(Bool)
    case setInit(Bool)
    case setUser(UserIDs)
    case step(Step)

    public enum IDKind: String, Sendable, Equatable { case uid, gid }
    public enum LimitSetting: Sendable, Equatable {
        case pids(UInt64)
        case memoryBytes(UInt64)
        case cpuMillis(UInt64)
    }
}
