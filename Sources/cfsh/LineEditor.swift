#if canImport(Glibc)
import Glibc
#endif
import CEditLine
import CFSLanguage

/// The interactive shell's line editing, through libedit (editline(3)): emacs keys by
/// default, the user's ~/.editrc honoured (`bind -v` gives vi keys), history with Up/Down
/// and Ctrl-R, Tab completion. Made only when the shell starts on a terminal.
final class LineEditor {
    enum Read { case line(String), interrupted, endOfInput }

    private let editLine: OpaquePointer
    private let history: OpaquePointer
    /// libedit's callbacks are C function pointers without context: they reach the one
    /// editor of the process through these.
    nonisolated(unsafe) static var prompt: UnsafeMutablePointer<CChar> = strdup("")
    nonisolated(unsafe) static var completion: ((String) -> Completer.Result)?
    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    init?(historySize: Int32 = 1000) {
        // The user's locale, so libedit can show and edit UTF-8 (setlocale(3)); in the
        // C locale it cannot decode a non-ASCII prompt, which `Shell.prompt` avoids.
        setlocale(LC_CTYPE, "")
        guard let input = fdopen(0, "r"), let output = fdopen(1, "w"), let errors = fdopen(2, "w"),
              let editLine = el_init("cfsh", input, output, errors) else { return nil }
        guard let history = history_init() else {
            el_end(editLine)
            return nil
        }
        self.editLine = editLine
        self.history = history
        _ = cfs_history_set_size(history, historySize)
        _ = cfs_history_set_unique(history, 1)
        _ = cfs_el_set_history(editLine, history)
        _ = cfs_el_set_editor(editLine, "emacs")
        _ = cfs_el_set_signal(editLine, 1)
        _ = cfs_el_set_prompt(editLine) { _ in LineEditor.prompt }
        _ = cfs_el_add_function(editLine, "cfsh-complete", "Complete a cfsh word") { editLine, _ in
            LineEditor.complete(editLine)
        }
        _ = cfs_el_bind(editLine, "^I", "cfsh-complete")
        _ = cfs_el_bind(editLine, "^R", "em-inc-search-prev")
        // Ctrl-C at the prompt is SIGINT (libedit keeps ISIG on): Shell's handler sets
        // `interrupted`, and this reader gives up the read so el_gets returns.
        _ = cfs_el_set_getc(editLine) { _, character in LineEditor.readCharacter(into: character) }
        // The user's ~/.editrc (editrc(5)) last, so it can override every binding above.
        _ = el_source(editLine, nil)
    }

    deinit {
        el_end(editLine)
        history_end(history)
    }

    /// One line without its newline. Ctrl-C cancels the line being typed (`interrupted`);
    /// Ctrl-D on an empty line is `endOfInput`.
    func readLine(prompt: String) -> Read {
        free(LineEditor.prompt)
        LineEditor.prompt = strdup(prompt)
        LineEditor.interrupted = 0
        var count: Int32 = 0
        guard let line = el_gets(editLine, &count) else {
            if LineEditor.interrupted != 0 || (count < 0 && errno == EINTR) { return .interrupted }
            return .endOfInput
        }
        if LineEditor.interrupted != 0 { return .interrupted }
        if count <= 0 { return .endOfInput }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    /// One character from the terminal, decoded in the user's locale (mbrtowc(3)).
    /// Returns 1 with a character, 0 at end of input, -1 when Ctrl-C interrupted the read.
    private static func readCharacter(into character: UnsafeMutablePointer<wchar_t>?) -> Int32 {
        guard let character else { return -1 }
        var state = mbstate_t()
        var byte: CChar = 0
        while true {
            let n = read(0, &byte, 1)
            if n < 0 {
                if errno == EINTR && interrupted == 0 { continue }
                return -1
            }
            if n == 0 { return 0 }
            // mbrtowc returns (size_t)-2 for an incomplete character, (size_t)-1 for an invalid one.
            let decoded = Int(bitPattern: UInt(mbrtowc(character, &byte, 1, &state)))
            if decoded == -2 { continue }  // the middle of a character
            if decoded == -1 {  // not valid here: take the byte as it is
                state = mbstate_t()
                character.pointee = wchar_t(UInt8(bitPattern: byte))
            }
            return 1
        }
    }

    func remember(_ line: String) {
        _ = cfs_history_enter(history, line)
    }

    /// Tab: one candidate is inserted whole (with a blank after it unless it is a
    /// directory); several insert what they share, and a second look lists them.
    private static func complete(_ editLine: OpaquePointer?) -> UInt8 {
        guard let editLine, let info = el_line(editLine), let completion else { return UInt8(CC_ERROR) }
        let length = info.pointee.cursor - info.pointee.buffer
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(info.pointee.buffer)
            .assumingMemoryBound(to: UInt8.self), count: length)
        let result = completion(String(decoding: bytes, as: UTF8.self))
        guard !result.candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        if result.candidates.count == 1 {
            var insert = String(result.candidates[0].dropFirst(result.partial.count))
            if !insert.hasSuffix("/") && !insert.hasSuffix("=") { insert += " " }
            _ = el_insertstr(editLine, insert)
            return UInt8(CC_REFRESH)
        }
        let shared = Completer.commonPrefix(result.candidates)
        if shared.count > result.partial.count {
            _ = el_insertstr(editLine, String(shared.dropFirst(result.partial.count)))
            return UInt8(CC_REFRESH)
        }
        Output.out("\n" + columns(result.candidates.map { name in
            name.hasSuffix("/") ? String(name.dropLast().split(separator: "/").last ?? "") + "/"
                : String(name.split(separator: "/").last.map(String.init) ?? name)
        }))
        return UInt8(CC_REDISPLAY)
    }

    /// Alternatives in columns, as shells list them.
    private static func columns(_ names: [String], width: Int = 80) -> String {
        let cell = (names.map(\.count).max() ?? 0) + 2
        let perRow = max(1, width / cell)
        var text = ""
        for (index, name) in names.enumerated() {
            text += name
            text += (index % perRow == perRow - 1 || index == names.count - 1)
                ? "\n" : String(repeating: " ", count: cell - name.count)
        }
        return text
    }
}
