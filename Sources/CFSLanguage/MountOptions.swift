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

    /// Splits and checks the options word; returns the options as written.
    static func parse(_ w: Word, kind: Mount.Kind) throws(Diagnostic) -> [String] {
        let options = w.text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let keys = dataKeys(kind)
        var seen: Set<String> = []
        for option in options {
            if option.isEmpty {
                throw Diagnostic("empty mount option in \(quoted(w.text))", at: w.location,
                                 fix: "separate options with single commas, e.g. ro,nosuid")
            }
            let key = option.split(separator: "=", maxSplits: 1).first.map(String.init) ?? option
            let isData = option.contains("=")
            if isData ? !keys.contains(key) : !flags.contains(option) {
                let all = flags + sizeKeys + overlayKeys
                if !isData && keys.contains(option) {
                    throw Diagnostic("mount option \(quoted(option)) needs a value", at: w.location, fix: "write \(option)=VALUE")
                }
                if isData && flags.contains(key) {
                    throw Diagnostic("mount option \(quoted(key)) takes no value", at: w.location)
                }
                if all.contains(key) {
                    let valid = (flags + keys.map { $0 + "=" }).joined(separator: " ")
                    throw Diagnostic("\(quoted(key)) is not an option of \(kind.rawValue) mounts", at: w.location,
                                     fix: "\(kind.rawValue) takes: \(valid)")
                }
                throw Diagnostic("unknown mount option \(quoted(option))\(didYouMean(key, all))", at: w.location,
                                 fix: "\(kind.rawValue) takes: \((flags + keys.map { $0 + "=" }).joined(separator: " "))")
            }
            if isData && option.utf8.count == key.utf8.count + 1 {
                throw Diagnostic("mount option '\(key)=' needs a value", at: w.location)
            }
            if isData && !seen.insert(key).inserted {
                throw Diagnostic("mount option \(quoted(key)) is given twice", at: w.location)
            }
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
}

extension Parser {
    mutating func mount() throws(Diagnostic) -> Mount {
        let kinds = Mount.Kind.allCases.map(\.rawValue)
        let kindWord = try next("a type (\(kinds.joined(separator: ", ")))")
        guard let kind = Mount.Kind(rawValue: kindWord.text) else {
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
