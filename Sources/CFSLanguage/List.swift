/// A growable list of values, like `Array`, whose storage Swift's runtime never has to
/// build type metadata for.
///
/// Why it exists (issue 13, start-up): an `Array` of one of cfsh's own types keeps its
/// elements in a `_ContiguousArrayStorage<Element>`, a generic class, and the first array
/// of each element type in a process makes the runtime build that class's metadata
/// (allocate it, find its superclass by name, lay it out: about 9,000 instructions), and
/// the first array of any type at all makes it register every specialisation the
/// standard library ships for arrays (about 25,000). cfsh starts twice per sandbox, and
/// before this type that work was half the instructions of checking the benchmark's
/// script (callgrind: 185k of 371k). `List` keeps its elements in memory it allocates
/// itself, owned by one non-generic class whose metadata the compiler emits whole, so a
/// list of any element type costs the runtime nothing. Everything is `@inlinable`, so
/// the code is specialised for each element type where it is used, in every module, as
/// the standard library's own collections are.
///
/// It has `Array`'s value semantics (copy on write) and its amortised O(1) `append`.
/// The start path (the lexer, the parser, the plan builder, the lint, the engine up to
/// the command's execve) keeps its values of cfsh's own types in lists; `Array` stays
/// where the start path never goes, and for the standard library's own element types
/// (`[String]`, `[UInt8]`), whose array metadata the standard library ships.
@frozen
public struct List<Element> {
    /// nil for an empty list that never had room (no allocation, like Array's empty
    /// singleton).
    @usableFromInline var storage: ListStorage?

    @inlinable public init() { storage = nil }

    @inlinable public init<S: Sequence>(_ elements: S) where S.Element == Element {
        self.init()
        for element in elements { append(element) }
    }

    @inlinable public var count: Int { storage?.count ?? 0 }
    @inlinable public var isEmpty: Bool { count == 0 }
    @inlinable public var capacity: Int { storage?.capacity ?? 0 }

    @inlinable var elements: UnsafeMutablePointer<Element> {
        storage!.base.assumingMemoryBound(to: Element.self)
    }

    /// Makes the storage this list's own, with room for at least `minimumCapacity`.
    @inlinable mutating func makeUniqueAndReserve(_ minimumCapacity: Int) {
        // Checked before the storage is bound to a name: a second reference would make
        // it look shared.
        if self.storage != nil && isKnownUniquelyReferenced(&self.storage) {
            let storage = self.storage.unsafelyUnwrapped
            if storage.capacity >= minimumCapacity { return }
            let capacity = Swift.max(minimumCapacity, storage.capacity * 2)
            let base = UnsafeMutableRawPointer.allocate(
                byteCount: capacity * MemoryLayout<Element>.stride, alignment: MemoryLayout<Element>.alignment)
            ListStorage.move(Element.self, storage.count, from: storage.base, to: base)
            storage.base.deallocate()
            storage.base = base
            storage.capacity = capacity
            return
        }
        let count = self.count
        let fresh = ListStorage.make(Element.self, capacity: Swift.max(minimumCapacity, count, 4))
        if count > 0 {
            ListStorage.copy(count, from: UnsafePointer(elements), to: fresh.base.assumingMemoryBound(to: Element.self))
            fresh.count = count
        }
        storage = fresh
    }

    @inlinable public mutating func append(_ element: Element) {
        let count = self.count
        if _slowPath(storage == nil || storage!.capacity == count || !isKnownUniquelyReferenced(&storage)) {
            makeUniqueAndReserve(count + 1)
        }
        (elements + count).initialize(to: element)
        storage!.count = count + 1
    }

    @inlinable public mutating func append<S: Sequence>(contentsOf newElements: S) where S.Element == Element {
        // Contiguous elements (a String's UTF-8, another list) are copied after one
        // reservation, without append's check for a shared storage on each element.
        let copied: Void? = newElements.withContiguousStorageIfAvailable { buffer in
            if buffer.isEmpty { return }
            let count = self.count
            makeUniqueAndReserve(count + buffer.count)
            ListStorage.copy(buffer.count, from: buffer.baseAddress!, to: elements + count)
            storage?.count = count + buffer.count
        }
        if copied != nil { return }
        makeUniqueAndReserve(count + newElements.underestimatedCount)
        for element in newElements { append(element) }
    }

    @inlinable public mutating func reserveCapacity(_ minimumCapacity: Int) {
        makeUniqueAndReserve(minimumCapacity)
    }

    @inlinable @discardableResult public mutating func removeLast() -> Element {
        precondition(count > 0, "removeLast from an empty List")
        makeUniqueAndReserve(count)
        storage!.count -= 1
        return (elements + storage!.count).move()
    }

    @inlinable public mutating func popLast() -> Element? {
        isEmpty ? nil : removeLast()
    }

    /// Removes the elements for which `shouldBeRemoved` holds, in place, keeping the
    /// others' order (RangeReplaceableCollection's default would rebuild the list).
    @inlinable public mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        let count = self.count
        if count == 0 { return }
        makeUniqueAndReserve(count)
        let base = elements
        var kept = 0
        // Elements before `index` are decided: kept ones moved down to 0..<kept, removed
        // ones destroyed. If the predicate throws, the undecided rest moves down too.
        var index = 0
        defer {
            ListStorage.move(Element.self, count - index, from: UnsafeMutableRawPointer(base + index),
                             to: UnsafeMutableRawPointer(base + kept))
            storage.unsafelyUnwrapped.count = kept + count - index
        }
        while index < count {
            let remove = try shouldBeRemoved(base[index])
            let element = (base + index).move()
            index += 1
            if !remove {
                (base + kept).initialize(to: element)
                kept += 1
            }
        }
    }

    @inlinable public mutating func removeAll(keepingCapacity keepCapacity: Bool = false) {
        guard keepCapacity, storage != nil, isKnownUniquelyReferenced(&storage) else {
            storage = nil
            return
        }
        ListStorage.destroy(Element.self, count, at: storage.unsafelyUnwrapped.base)
        storage.unsafelyUnwrapped.count = 0
    }

    /// The elements transformed, as a list (Sequence.map would make an Array).
    @inlinable public func map<T, E: Error>(_ transform: (Element) throws(E) -> T) throws(E) -> List<T> {
        var result = List<T>()
        result.reserveCapacity(count)
        for element in self { result.append(try transform(element)) }
        return result
    }

    /// The non-nil results of `transform`, as a list.
    @inlinable public func compactMap<T, E: Error>(_ transform: (Element) throws(E) -> T?) throws(E) -> List<T> {
        var result = List<T>()
        for element in self { if let value = try transform(element) { result.append(value) } }
        return result
    }

    /// Sorts the list in place, stably (equal elements keep their order, which the
    /// diagnostics' source order relies on): a bottom-up merge sort through one scratch
    /// buffer, O(n log n) whatever the input.
    @inlinable public mutating func sort(by areInIncreasingOrder: (Element, Element) -> Bool) {
        let count = self.count
        if count < 2 { return }
        makeUniqueAndReserve(count)
        let base = elements
        // Already in order (the usual case: diagnostics are found in source order).
        var index = 1
        while index < count && !areInIncreasingOrder(base[index], base[index - 1]) { index += 1 }
        if index == count { return }
        let scratch = UnsafeMutablePointer<Element>.allocate(capacity: count)
        defer { scratch.deallocate() }
        var from = base, to = scratch
        var width = 1
        while width < count {
            var start = 0
            while start < count {
                let middle = Swift.min(start + width, count), end = Swift.min(start + 2 * width, count)
                var left = start, right = middle, out = start
                while out < end {
                    // The right run's element goes first only when it is smaller: stable.
                    let takeRight = left == middle
                        || (right < end && areInIncreasingOrder(from[right], from[left]))
                    if takeRight {
                        (to + out).initialize(to: (from + right).move())
                        right += 1
                    } else {
                        (to + out).initialize(to: (from + left).move())
                        left += 1
                    }
                    out += 1
                }
                start = end
            }
            swap(&from, &to)
            width *= 2
        }
        if from != base { ListStorage.move(Element.self, count, from: UnsafeMutableRawPointer(from), to: UnsafeMutableRawPointer(base)) }
    }

    /// The list sorted stably, as a list (Sequence.sorted would make an Array).
    @inlinable public func sorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> List<Element> {
        var copy = self
        copy.sort(by: areInIncreasingOrder)
        return copy
    }
}

extension List: RandomAccessCollection, MutableCollection {
    public typealias Index = Int
    public typealias Indices = Range<Int>
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public var indices: Range<Int> { 0..<count }
    @inlinable public func index(after i: Int) -> Int { i + 1 }
    @inlinable public func index(before i: Int) -> Int { i - 1 }

    @inlinable public subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < count, "List index out of range")
            return elements[position]
        }
        set {
            precondition(position >= 0 && position < count, "List index out of range")
            makeUniqueAndReserve(count)
            elements[position] = newValue
        }
        _modify {
            precondition(position >= 0 && position < count, "List index out of range")
            makeUniqueAndReserve(count)
            yield &elements[position]
        }
    }

    @inlinable public func withContiguousStorageIfAvailable<R>(
        _ body: (UnsafeBufferPointer<Element>) throws -> R
    ) rethrows -> R? {
        guard let storage else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try withExtendedLifetime(storage) {
            try body(UnsafeBufferPointer(start: storage.base.assumingMemoryBound(to: Element.self), count: storage.count))
        }
    }
}

extension List: RangeReplaceableCollection {
    @inlinable public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with newElements: C)
    where C.Element == Element {
        precondition(subrange.lowerBound >= 0 && subrange.upperBound <= count, "List range out of bounds")
        var result = List()
        result.reserveCapacity(count - subrange.count + newElements.count)
        for index in 0..<subrange.lowerBound { result.append(self[index]) }
        for element in newElements { result.append(element) }
        for index in subrange.upperBound..<count { result.append(self[index]) }
        self = result
    }
}

extension List: ExpressibleByArrayLiteral {
    /// A literal's elements arrive as an Array (the language passes them so), which is
    /// why the start path builds its lists by appending, not from literals.
    @inlinable public init(arrayLiteral elements: Element...) {
        self.init(elements)
    }
}

extension List: Equatable where Element: Equatable {
    @inlinable public static func == (left: List, right: List) -> Bool {
        guard left.count == right.count else { return false }
        for index in 0..<left.count where left[index] != right[index] { return false }
        return true
    }
}

extension List: Hashable where Element: Hashable {
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}

extension List: CustomStringConvertible, CustomDebugStringConvertible {
    /// As an Array prints, so that test failures and `dump`s read the same.
    public var description: String { Array(self).description }
    public var debugDescription: String { Array(self).debugDescription }
}

extension List: @unchecked Sendable where Element: Sendable {}

/// The one owner of a list's elements: a non-generic class, so that its metadata is
/// static (see `List`). It remembers how to destroy its elements, which is the only
/// thing it needs to know of their type.
@usableFromInline final class ListStorage {
    // Not checked for exclusive access at run time: a class's `var`s otherwise are, on
    // every access (swift_beginAccess, a third of `cfsh -n`'s instructions on 10,000
    // lines), and List never hands out an access that could overlap another.
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var count: Int
    @exclusivity(unchecked) @usableFromInline var capacity: Int
    @usableFromInline let destroy: (UnsafeMutableRawPointer, Int) -> Void

    @inlinable init(base: UnsafeMutableRawPointer, capacity: Int, destroy: @escaping (UnsafeMutableRawPointer, Int) -> Void) {
        self.base = base
        self.count = 0
        self.capacity = capacity
        self.destroy = destroy
    }

    @inlinable static func make<Element>(_: Element.Type, capacity: Int) -> ListStorage {
        let base = UnsafeMutableRawPointer.allocate(
            byteCount: capacity * MemoryLayout<Element>.stride, alignment: MemoryLayout<Element>.alignment)
        return ListStorage(base: base, capacity: capacity) { base, count in destroy(Element.self, count, at: base) }
    }

    // Element by element, not with UnsafeMutablePointer's deinitialize(count:),
    // initialize(from:count:) or moveInitialize(from:count:): those hand the count to the runtime
    // (swift_arrayDestroy and its kin) with the element's type metadata, which for a
    // tuple is built at run time on first use; one element at a time is code the
    // compiler writes for the type (issue 13).
    @inlinable static func destroy<Element>(_: Element.Type, _ count: Int, at base: UnsafeMutableRawPointer) {
        let elements = base.assumingMemoryBound(to: Element.self)
        for index in 0..<count { _ = (elements + index).move() }
    }

    @inlinable static func copy<Element>(_ count: Int, from: UnsafePointer<Element>, to: UnsafeMutablePointer<Element>) {
        for index in 0..<count { (to + index).initialize(to: from[index]) }
    }

    @inlinable static func move<Element>(_: Element.Type, _ count: Int, from: UnsafeMutableRawPointer,
                                         to: UnsafeMutableRawPointer) {
        let from = from.assumingMemoryBound(to: Element.self), to = to.assumingMemoryBound(to: Element.self)
        for index in 0..<count { (to + index).initialize(to: (from + index).move()) }
    }

    deinit {
        destroy(base, count)
        base.deallocate()
    }
}
