/// "did you mean": the candidate closest to `word` by edit distance (at most 2, and
/// less than the word's length, so `x` does not suggest `ipc`), or the only candidate
/// that `word` is a prefix of. Ties go to the earlier candidate. nil if none.
public func suggestion(for word: String, among candidates: [String]) -> String? {
    let w = Array(word.lowercased().utf8)
    guard !w.isEmpty, w.count <= 64 else { return nil }
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(w, Array(c.lowercased().utf8))
        if d <= 2 && d < w.count && d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    if let best { return best.0 }
    let prefixed = candidates.filter { $0.lowercased().utf8.starts(with: w) }
    return prefixed.count == 1 ? prefixed[0] : nil
}

/// Levenshtein distance, with an adjacent swap counting as one edit (Damerau), so
/// `hsotname` is one edit from `hostname`.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev2 = [Int](repeating: 0, count: b.count + 1)
    var prev = Array(0...b.count)
    var cur = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                cur[j] = min(cur[j], prev2[j - 2] + 1)
            }
        }
        (prev2, prev, cur) = (prev, cur, prev2)
    }
    return prev[b.count]
}

/// " (did you mean 'X'?)" or "".
func didYouMean(_ word: String, _ candidates: [String]) -> String {
    suggestion(for: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
}
