/// Strict number parsing for the language: plain ASCII decimal digits only. No sign,
/// no `0x`, no exponent, no `_`, no non-ASCII digits; leading zeros are allowed and
/// mean decimal. Every error names the accepted range.

/// A whole number in `range`, or a diagnostic "'WORD' is not a valid WHAT: expected a
/// whole number from LO to HI".
func parseWhole(_ word: Word, _ what: String, in range: ClosedRange<UInt64>) throws(Diagnostic) -> UInt64 {
    guard let n = decimal(word.text), range.contains(n) else {
        throw Diagnostic(
            "\(quoted(word.text)) is not a valid \(what): expected a whole number from \(range.lowerBound) to \(range.upperBound)",
            at: word.location)
    }
    return n
}

/// Plain decimal digits to UInt64, nil on anything else or overflow.
func decimal<S: StringProtocol>(_ text: S) -> UInt64? {
    var n: UInt64 = 0
    var any = false
    for b in text.utf8 {
        guard b >= 0x30 && b <= 0x39 else { return nil }
        let (m, o1) = n.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(b - 0x30))
        if o1 || o2 { return nil }
        n = a
        any = true
    }
    return any ? n : nil
}

/// `limit memory SIZE`: bytes, or a number with a k, m or g suffix (powers of 1024,
/// case-insensitive). The minimum is 1 MiB (less would kill the command before it
/// runs), the maximum 2^62.
let memoryRange: ClosedRange<UInt64> = (1 << 20)...(1 << 62)

func parseSize(_ word: Word) throws(Diagnostic) -> UInt64 {
    var digits = Substring(word.text)
    var shift: UInt64 = 0
    switch digits.last {
    case "k", "K": shift = 10
    case "m", "M": shift = 20
    case "g", "G": shift = 30
    default: break
    }
    if shift > 0 { digits = digits.dropLast() }
    let bad = Diagnostic(
        "\(quoted(word.text)) is not a valid memory size: expected bytes or a number with k, m or g, from 1m to 4294967296g (2^62 bytes)",
        at: word.location)
    guard let n = decimal(digits), n <= (UInt64(1) << 62) >> shift, memoryRange.contains(n << shift)
    else { throw bad }
    return n << shift
}

/// The canonical spelling of a size: the largest exact k/m/g unit, else bytes.
public func sizeText(_ bytes: UInt64) -> String {
    for (shift, unit) in [(UInt64(30), "g"), (20, "m"), (10, "k")] where bytes != 0 && bytes % (1 << shift) == 0 {
        return "\(bytes >> shift)\(unit)"
    }
    return "\(bytes)"
}

/// `limit cpu FRACTION`: CPUs as a decimal with at most three decimals, from 0.001 to
/// 1024, in thousandths.
let cpuRange: ClosedRange<UInt64> = 1...1_024_000

func parseCPU(_ word: Word) throws(Diagnostic) -> UInt64 {
    let bad = Diagnostic(
        "\(quoted(word.text)) is not a valid CPU amount: expected a decimal from 0.001 to 1024 with at most 3 decimals",
        at: word.location)
    let parts = word.text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = decimal(parts[0]), whole <= 1024 else { throw bad }
    var millis = whole * 1000
    if parts.count == 2 {
        let frac = parts[1]
        guard !frac.isEmpty, frac.utf8.count <= 3, let f = decimal(frac) else { throw bad }
        var scale: UInt64 = 1
        for _ in frac.utf8.count..<3 { scale *= 10 }
        millis += f * scale
    }
    guard cpuRange.contains(millis) else { throw bad }
    return millis
}

/// Thousandths of a CPU back to the shortest decimal: 500 → "0.5", 2000 → "2".
func cpuText(_ millis: UInt64) -> String {
    let whole = millis / 1000
    var frac = millis % 1000
    if frac == 0 { return "\(whole)" }
    var digits = 3
    while frac % 10 == 0 {
        frac /= 10
        digits -= 1
    }
    let f = String(frac)
    return "\(whole)." + String(repeating: "0", count: digits - f.count) + f
}
