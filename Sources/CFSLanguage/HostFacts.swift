/// What the plan builder asks of the host, so the language stays pure: the CLI passes
/// the real host (stat(2), geteuid(2)), tests a fake. No host (nil) skips these checks,
/// as the child does when it decodes its plan.
public enum FileKind: Sendable {
    case directory, regularFile, other, missing
}

public protocol HostFacts {
    /// `path` as the plan resolved it: absolute, or relative to cfsh's working directory.
    func fileKind(atPath path: String) -> FileKind
    var isRoot: Bool { get }
}
