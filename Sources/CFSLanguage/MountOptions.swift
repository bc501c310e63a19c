/// `mount proc|sysfs|tmpfs|dev|overlay TARGET [OPTIONS]` and
/// `mount bind|rbind SOURCE TARGET [OPTIONS]`. OPTIONS is one comma-separated word of
/// flags (mount(8) names) and `key=value` data; which data keys a type takes is fixed
/// here, so a typo is caught before anything runs rather than as EINVAL.
enum MountOptions {
    static let flags = ["ro", "rw", "nosuid", "nodev", "noexec", "relatime", "noatime"]
    static let sizeKeys = ["size", "mode", "uid", "gid", "nr_inodes"]
    static let overlayKeys = ["lowerdir", "upperdir", "workdir"]

    static func dataKeys(_ kind: Mount.Kind) -> [String] {
        switch kind {
        case .tmpfs, .dev: return sizeKeys
        case .overlay: return overlayKeys
        case .proc, .sysfs, .bind, .rbind: return []
        }
    }

    static let flagSet = Set(flags)

    /// Splits and checks the options word; returns the options as written.
    static func parse(_ w: Word, kind: Mount.Kind) throws(Diagnostic) -> [String] {
        let keys = dataKeys(kind)
        var options: [String] = []
        var seen: [String] = []
        for part in w.text.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            let option = String(Substring(part))
            if option.isEmpty {
                throw Diagnostic("empty mount option in \(quoted(w.text))", at: w.location,
                                 fix: "separate options with single commas, e.g. ro,nosuid")
            }
            if let eq = part.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(Substring(part[..<eq]))
                guard keys.contains(key) else { throw unknown(key, option: option, in: w, kind: kind) }
                if part.index(after: eq) == part.endIndex {
                    throw Diagnostic("mount option \(quoted(key + "=")) needs a value", at: w.location)
                }
                if seen.contains(key) {
                    throw Diagnostic("mount option \(quoted(key)) is given twice", at: w.location)
                }
                seen.append(key)
            } else if !flagSet.contains(option) {
                throw unknown(option, option: option, in: w, kind: kind)
            }
            options.append(option)
        }
        if kind == .overlay {
            if !seen.contains("lowerdir") {
                throw Diagnostic("an overlay mount needs lowerdir=DIR", at: w.location,
                                 fix: "e.g. lowerdir=/lower,upperdir=/upper,workdir=/work")
            }
            if seen.contains("upperdir") != seen.contains("workdir") {
                throw Diagnostic("an overlay mount takes upperdir= and workdir= together", at: w.location)
            }
        }
        return options
    }

    /// Why `key` (a flag, or the key of key=value) is not an option of this mount.
    private static func unknown(_ key: String, option: String, in w: Word, kind: Mount.Kind) -> Diagnostic {
        let isData = key != option
        let keys = dataKeys(kind)
        let valid = "\(kind.rawValue) takes: " + (flags + keys.map { $0 + "=" }).joined(separator: " ")
        let all = flags + sizeKeys + overlayKeys
        if !isData && keys.contains(key) {
            return Diagnostic("mount option \(quoted(key)) needs a value", at: w.location, fix: "write \(key)=VALUE")
        }
        if isData && flags.contains(key) {
            return Diagnostic("mount option \(quoted(key)) takes no value", at: w.location)
        }
        if all.contains(key) {
            return Diagnostic("\(quoted(key)) is not an option of \(kind.rawValue) mounts", at: w.location, fix: valid)
        }
        return Diagnostic("unknown mount option \(quoted(option))\(didYouMean(key, all))", at: w.location, fix: valid)
    }
}

extension Parser {
    mutating func mount() throws(Diagnostic) -> Mount {
        let kindWord = try next("a type (proc, sysfs, tmpfs, bind, rbind, overlay, dev)")
        guard let kind = Mount.Kind(rawValue: kindWord.text) else {
            let kinds = Mount.Kind.allCases.map(\.rawValue)
            throw Diagnostic("unknown mount type \(quoted(kindWord.text))\(didYouMean(kindWord.text, kinds))",
                             at: kindWord.location, fix: "types: \(kinds.joined(separator: " "))")
        }
        var source: String?
        if kind == .bind || kind == .rbind {
            source = try nonEmpty("SOURCE").text
        }
        let target = try nonEmpty("TARGET").text
        var options: [String] = []
        if hasMore {
            options = try MountOptions.parse(try next("OPTIONS"), kind: kind)
        } else if kind == .overlay {
            throw Diagnostic("an overlay mount needs lowerdir=DIR", at: name.location,
                             fix: "e.g. mount overlay /merged lowerdir=/lower,upperdir=/upper,workdir=/work")
        }
        return Mount(kind: kind, source: source, target: target, options: options)
    }
}
