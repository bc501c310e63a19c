// swift-tools-version:6.0
import PackageDescription

// Layout (see README "Architecture"):
//   CFSLanguage  the pure language: lexer, parser, validator, Plan and its canonical text.
//                No syscalls; host facts (is this a directory? am I root?) are injected.
//   Sandbox      the engine: parent side (clone3, maps, wait, cleanup) and child side
//                (apply the plan's steps in one loop, execve). Syscalls behind a protocol.
//   CLinux       C shims for the few things Swift cannot do (each says why).
//   CEditLine    libedit, as a system library (only the interactive shell touches it).
//   cfsh         the executable: command line, script runner, REPL, hidden child verb.
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "cfsh",
    products: [
        .executable(name: "cfsh", targets: ["cfsh"]),
    ],
    targets: [
        .target(name: "CLinux"),
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "CFSLanguage", swiftSettings: v5),
        .target(name: "Sandbox", dependencies: ["CFSLanguage", "CLinux"], swiftSettings: v5),
        .executableTarget(
            name: "cfsh",
            dependencies: ["CFSLanguage", "Sandbox", "CLinux", "CEditLine"],
            swiftSettings: v5
        ),
        // What the integration tests share: running the built cfsh, and the checks that
        // the host is unchanged around every sandbox.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: v5),
        .testTarget(name: "CFSLanguageTests", dependencies: ["CFSLanguage"], swiftSettings: v5),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "CFSLanguage", "TestSupport"], swiftSettings: v5),
        .testTarget(name: "cfshTests", dependencies: ["cfsh", "TestSupport"], swiftSettings: v5),
    ]
)
