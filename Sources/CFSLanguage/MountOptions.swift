/// The one table of mount options: the flags every type takes (mount(8) names, with
/// their mount(2) MS_* values) and the data options each filesystem type accepts, with
/// their syntax. The checker (`MountOptions.check`), the engine (`Mount.settings`, read by
/// Mounts.swift's exhaustive switch over the type) and completion all read it, so an
/// option the kernel would reject with a bare EINVAL is reported before anything runs.

/// A flag word and the mount(2) bit it sets (linux/mount.h; a SandboxTests test checks
/// these numbers against Glibc's MS_* constants: the language has no libc).
public enum MountFlag: String, CaseIterable, Sendable {
    case ro, rw, nosuid, nodev, noexec, sync, noatime, nodiratime, relatime, strictatime

    public var bits: UInt {
        switch self {
        case .ro: return 1            // MS_RDONLY
        case .rw: return 0            // clears MS_RDONLY
        case .nosuid: return 2        // MS_NOSUID
        case .nodev: return 4         // MS_NODEV
        case .noexec: return 8        // MS_NOEXEC
        case .sync: return 16         // MS_SYNCHRONOUS
        case .noatime: return 1024    // MS_NOATIME
        case .nodiratime: return 2048 // MS_NODIRATIME
        case .relatime: return 1 << 21    // MS_RELATIME
        case .strictatime: return 1 << 24 // MS_STRICTATIME
        }
    }
}

/// A `key=value` option passed to the filesystem as mount(2)'s data.
public enum MountDataKey: String, CaseIterable, Sendable {
    case size, nr_inodes, mode, uid, gid, lowerdir, upperdir, workdir

    /// The accepted form, for messages and `help mount`.
    public var form: String {
        switch self {
        case .size: return "size=BYTES, with k, m, g or t (e.g. 64m), or a share of memory (e.g. 50%)"
        case .nr_inodes: return "nr_inodes=N, with k, m or g"
        case .mode: return "mode=OCTAL, at most 7777 (e.g. 755)"
        case .uid: return "uid=N (a user id)"
        case .gid: return "gid=N (a group id)"
        case .lowerdir: return "lowerdir=DIR[:DIR...] (the read-only layers, top first)"
        case .upperdir: return "upperdir=DIR (the writable layer; with workdir=)"
        case .workdir: return "workdir=DIR (an empty directory on upperdir's filesystem)"
        }
    }

    /// Whether `value` is what the kernel's parser for this key takes (tmpfs: mm/shmem.c's
    /// memparse for size and nr_inodes, octal for mode; overlayfs: non-empty layers).
    func accepts(_ value: Substring) -> Bool {
        switch self {
        case .size:
            if value.hasSuffix("%") { return decimal(value.dropLast()) != nil }
            return memparse(value)
        case .nr_inodes: return memparse(value)
        case .mode:
            let digits = value.utf8
            return !digits.isEmpty && digits.count <= 12 && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x37 }
                && (UInt64(value, radix: 8) ?? .max) <= 0o7777
        case .uid, .gid:
            return (decimal(value) ?? .max) < UInt64(UInt32.max)
        case .lowerdir:
            return !value.isEmpty && !value.split(separator: ":", omittingEmptySubsequences: false).contains { $0.isEmpty }
        case .upperdir, .workdir:
            return !value.isEmpty
        }
    }

    /// Digits, then at most one of k m g t (either case).
    private func memparse(_ value: Substring) -> Bool {
        var digits = value
        if let last = value.last, "kKmMgGtT".contains(last) { digits = value.dropLast() }
        return decimal(digits) != nil
    }
}

extension Mount.Kind {
    /// The data options this type takes. `dev` is a tmpfs (Devices.swift).
    public var dataKeys: [MountDataKey] {
        switch self {
        case .tmpfs, .dev: return [.size, .nr_inodes, .mode, .uid, .gid]
        case .overlay: return [.lowerdir, .upperdir, .workdir]
        case .proc, .sysfs, .bind, .rbind: return []
        }
    }

    /// Every option word this type takes, for completion: flags, then `key=`.
    public var optionWords: [String] {
        MountFlag.allCases.map(\.rawValue) + dataKeys.map { $0.rawValue + "=" }
    }
}

/// What mount(2) is given for a mount step's options.
public struct MountSettings: Sendable, Equatable {
    /// MS_* flags.
    public var flags: UInt
    /// The data string (`size=64m,mode=755`); nil when there is none.
    public var data: String?
    public init(flags: UInt, data: String?) {
        self.flags = flags
        self.data = data
    }
}

extension Mount {
    /// The options split into mount(2)'s flags and data, in the order written (a later
    /// `rw` clears an earlier `ro`, as mount(8) does). The options were checked when
    /// the step was parsed.
    public var settings: MountSettings {
        var flags: UInt = 0
        var data: [String] = []
        for option in options {
            if let flag = MountFlag(rawValue: option) {
                if flag == .rw { flags &= ~MountFlag.ro.bits } else { flags |= flag.bits }
            } else {
                data.append(option)
            }
        }
        return MountSettings(flags: flags, data: data.isEmpty ? nil : concatenated(data, separator: ","))
    }
}

/// Checks the options word of `mount TYPE ...`; returns the options as written.
enum MountOptions {
    static func parse(_ w: Word, kind: Mount.Kind) throws(Diagnostic) -> [String] {
        let keys = kind.dataKeys
        var options: [String] = []
        var seen: [MountDataKey] = []
        var lowerLayers = 0
        for part in w.text.split(separator: ",", omittingEmptySubsequences: false) {
            let option = String(part)
            if option.isEmpty {
                throw Diagnostic("empty mount option in \(quoted(w.text))", at: w.location,
                                 fix: "separate options with single commas, e.g. ro,nosuid")
            }
            if let eq = part.firstIndex(of: "=") {
                let name = part[..<eq]
                let value = part[part.index(after: eq)...]
                guard let key = MountDataKey(rawValue: String(name)), keys.contains(key) else {
                    throw unknown(String(name), option: option, in: w, kind: kind)
                }
                if value.isEmpty {
                    throw Diagnostic("mount option \(quoted(name + "=")) needs a value", at: w.location,
                                     fix: "write \(key.form)")
                }
                if seen.contains(key) {
                    throw Diagnostic("mount option \(quoted(name)) is given twice", at: w.location)
                }
                guard key.accepts(value) else {
                    throw Diagnostic("\(quoted(option)) is not a valid \(name) for \(kind.rawValue): the kernel would refuse it (EINVAL)",
                                     at: w.location, fix: "write \(key.form)")
                }
                if key == .lowerdir { lowerLayers = value.split(separator: ":").count }
                seen.append(key)
            } else if MountFlag(rawValue: option) == nil {
                throw unknown(option, option: option, in: w, kind: kind)
            }
            options.append(option)
        }
        if kind == .overlay {
            try checkOverlay(seen: seen, lowerLayers: lowerLayers, at: w.location)
        }
        return options
    }

    /// overlayfs's rules (Documentation/filesystems/overlayfs.rst): `lowerdir` always;
    /// `upperdir` and `workdir` together; without them (a read-only overlay) at least
    /// two lower layers.
    static func checkOverlay(seen: [MountDataKey], lowerLayers: Int, at location: SourceLocation) throws(Diagnostic) {
        let example = "e.g. lowerdir=/lower,upperdir=/upper,workdir=/work, or lowerdir=/a:/b (read-only)"
        if !seen.contains(.lowerdir) {
            throw Diagnostic("an overlay mount needs lowerdir=DIR", at: location, fix: example)
        }
        if seen.contains(.upperdir) != seen.contains(.workdir) {
            throw Diagnostic("an overlay mount takes upperdir= and workdir= together", at: location, fix: example)
        }
        if !seen.contains(.upperdir) && lowerLayers < 2 {
            throw Diagnostic("a read-only overlay (no upperdir=) needs at least two lower directories", at: location,
                             fix: example)
        }
    }

    /// Why `key` (a flag, or the key of key=value) is not an option of this mount.
    private static func unknown(_ key: String, option: String, in w: Word, kind: Mount.Kind) -> Diagnostic {
        let isData = key != option
        let valid = "\(kind.rawValue) takes: " + kind.optionWords.joined(separator: " ")
        let dataKey = MountDataKey(rawValue: key)
        if !isData, let dataKey, kind.dataKeys.contains(dataKey) {
            return Diagnostic("mount option \(quoted(key)) needs a value", at: w.location, fix: "write \(dataKey.form)")
        }
        if isData && MountFlag(rawValue: key) != nil {
            return Diagnostic("mount option \(quoted(key)) takes no value", at: w.location)
        }
        if dataKey != nil {
            return Diagnostic("\(quoted(key)) is not an option of \(kind.rawValue) mounts", at: w.location, fix: valid)
        }
        let all = MountFlag.allCases.map(\.rawValue) + MountDataKey.allCases.map(\.rawValue)
        return Diagnostic("unknown mount option \(quoted(option))\(didYouMean(key, all))",
                          at: w.location, fix: valid)
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
            try MountOptions.checkOverlay(seen: [], lowerLayers: 0, at: name.location)
        }
        return Mount(kind: kind, source: source, target: target, options: options)
    }
}
