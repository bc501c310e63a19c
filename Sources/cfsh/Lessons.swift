#if canImport(Glibc)
import Glibc
#endif
import CFSLanguage
import Sandbox

/// `cfsh --lesson [N|FILE] [ARGS...]`: a teaching script run a section at a time. The
/// text shown is the file's own comments (CFSLanguage/Lesson.swift): its header first,
/// then before each section its comment block and its lines, as if typed at the prompt.
/// On a terminal cfsh waits for Enter before running a section (q stops); without one
/// it runs straight through, so CI can run every lesson. The file is compiled whole
/// first, as any script: an error anywhere and nothing runs.
///
/// Where the lessons are, so an installed cfsh finds them too:
///   1. $CFSH_LESSONS, a directory (when set, the only place looked at);
///   2. PREFIX/share/cfsh/examples for a cfsh at PREFIX/bin/cfsh (scripts/install puts
///      them there);
///   3. the source tree's examples/, for a cfsh built in REPO/.build/
/// (2 and 3: the first that is a directory).
/// Lesson N is the file stepN.cfs or stepN-NAME.cfs there; a word with a `/` or ending
/// in .cfs is a file, whatever its name.
enum Lessons {
    struct Entry: Equatable {
        var number: Int
        var path: String
    }

    struct Problem: Error { var message: String }

    /// The lessons directory, or nil (with the places looked at, for the error).
    static func directory() -> (path: String?, looked: [String]) {
        var candidates: [String] = []
        if let dir = Host.environmentValue("CFSH_LESSONS"), !dir.isEmpty {
            // Set, it is the one place: a mistyped directory is said, not passed over.
            return (isDirectory(dir) ? dir : nil, [dir])
        }
        if let exe = executablePath() {
            let bin = parent(of: exe)
            candidates.append(parent(of: bin) + "/share/cfsh/examples")
            // REPO/.build/x86_64-unknown-linux-gnu/release/cfsh: the nearest .build.
            var directory = bin
            while directory != "/" {
                if directory.hasSuffix("/.build") {
                    candidates.append(parent(of: directory) + "/examples")
                    break
                }
                directory = parent(of: directory)
            }
        }
        for candidate in candidates where isDirectory(candidate) { return (candidate, candidates) }
        return (nil, candidates)
    }

    /// The lessons in `directory`, by number.
    static func list(in directory: String) -> [Entry] {
        let entries = LinuxHost().listDirectory(directory, in: RootView(root: "/", cwd: "/")) ?? []
        return entries.compactMap { entry -> Entry? in
            let name = entry.name
            guard !entry.isDirectory, name.hasPrefix("step"), name.hasSuffix(".cfs") else { return nil }
            let digits = name.dropFirst(4).prefix { $0.isASCII && $0.isNumber }
            let rest = name.dropFirst(4 + digits.count)
            guard let number = Int(digits), rest == ".cfs" || rest.hasPrefix("-") else { return nil }
            return Entry(number: number, path: directory + "/" + name)
        }.sorted { $0.number < $1.number }
    }

    /// The file of lesson `word`: a number, or a path.
    static func file(for word: String) -> Result<String, Problem> {
        if word.contains("/") || word.hasSuffix(".cfs") { return .success(word) }
        guard let number = Int(word), number > 0 else {
            return .failure(Problem(message: "--lesson \(word): not a lesson number or a .cfs file (cfsh --lesson lists the lessons)"))
        }
        let (dir, looked) = directory()
        guard let dir else { return .failure(notFound(looked)) }
        let lessons = list(in: dir)
        if let entry = lessons.first(where: { $0.number == number }) { return .success(entry.path) }
        let range = lessons.isEmpty ? "there are none"
            : "they are \(lessons.map(\.number).min()!) to \(lessons.map(\.number).max()!)"
        return .failure(Problem(message: "--lesson \(word): there is no lesson \(number) in \(dir) (\(range); cfsh --lesson lists them)"))
    }

    static func notFound(_ looked: [String]) -> Problem {
        Problem(message: "--lesson: the lessons were not found (looked in: \(looked.joined(separator: ", "))); "
                + "set CFSH_LESSONS=DIR, or install them with scripts/install")
    }

    /// `cfsh --lesson`: every lesson's number, file and title.
    static func printList() -> Int32 {
        let (dir, looked) = directory()
        guard let dir else {
            Output.err("cfsh: " + notFound(looked).message + "\n")
            return 2
        }
        Output.out("The lessons in \(dir) (cfsh --lesson N [ROOTFS] runs one):\n")
        for entry in list(in: dir) {
            let name = String(entry.path.split(separator: "/").last ?? "")
            var title = ""
            if case .success(let bytes) = Input.readFile(entry.path) { title = Lesson(bytes).title }
            Output.out(String(entry.number).leftPadded(to: 4) + "  " + name.padded(to: 24) + title + "\n")
        }
        return 0
    }

    /// `cfsh --lesson N|FILE [ARGS...]`.
    static func run(_ word: String, arguments: [String]) -> Int32 {
        let path: String
        switch file(for: word) {
        case .failure(let problem):
            Output.err("cfsh: " + problem.message + "\n")
            return 2
        case .success(let found): path = found
        }
        switch Input.readFile(path) {
        case .failure(let failure):
            Output.err("cfsh: \(path): \(failure.reason)\n")
            return 2
        case .success(let bytes):
            return ScriptRunner.run(bytes, file: path, context: CLI.context(scriptName: path, arguments: arguments),
                                    checkOnly: false, asLesson: true)
        }
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// This cfsh's path (proc(5), /proc/self/exe), symlinks resolved.
    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasPrefix("/") ? path : nil
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

extension Session {
    /// Runs `compiled` (the whole lesson file) a section at a time: the section's
    /// explanation and lines, a wait for Enter when asked (q or end of input stops the
    /// lesson, status 0 or the last exec's), then the actions compiled from its lines.
    mutating func runLesson(_ lesson: Lesson, compiled: Compilation, waitForEnter: Bool) -> Flow {
        Output.out(lesson.introduction.map { $0 + "\n" }.joined() + "\n")
        var next = 0
        for (index, section) in lesson.sections.enumerated() {
            var text = "── " + String(index + 1) + " of " + String(lesson.sections.count) + " ──\n"
            text += section.explanation.map { $0 + "\n" }.joined()
            text += section.commands.map { "cfs> " + $0 + "\n" }.joined()
            Output.out(text)
            if waitForEnter, !askToContinue() { return .next }
            while next < compiled.actions.count, compiled.actionLocations[next].line <= section.lines.upperBound {
                let flow = run([compiled.actions[next]])
                next += 1
                if flow != .next { return flow }
            }
            Output.out("\n")
        }
        return run(List(compiled.actions[next...]))
    }

    /// "Enter" runs the section; `q` or the end of input stops.
    private func askToContinue() -> Bool {
        Output.out("[Enter: run these lines · q: stop] ")
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0, errno == EINTR { continue }
            if n <= 0 { Output.out("\n"); return false }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        let answer = String(decoding: line, as: UTF8.self).split(separator: " ").first ?? ""
        return !(answer == "q" || answer == "quit")
    }
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
