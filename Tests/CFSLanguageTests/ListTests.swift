import Testing
@testable import CFSLanguage

/// `List` (List.swift) stands in for `Array` on the start path, so it must behave as an
/// Array does: value semantics, order, every element destroyed exactly once, and the
/// linear cost the scaling table relies on. That its storage costs the runtime no
/// metadata is BuildShapeTests' to prove, on the release binary.
@Suite struct ListTests {
    /// Counts live instances, to see each element destroyed once and only once.
    final class Tracked {
        nonisolated(unsafe) static var live = 0
        let value: Int
        init(_ value: Int) { self.value = value; Tracked.live += 1 }
        deinit { Tracked.live -= 1 }
    }

    @Test func appendKeepsOrderAndGrowsGeometrically() {
        var list = List<Int>()
        var capacities: [Int] = []
        for i in 0..<10_000 {
            list.append(i)
            if capacities.last != list.capacity { capacities.append(list.capacity) }
        }
        #expect(list.count == 10_000)
        #expect(Array(list) == Array(0..<10_000))
        // Amortised O(1) append: the room at least doubles each time it grows.
        #expect(capacities.count <= 14, "capacities: \(capacities)")
    }

    @Test func aCopyIsAValue() {
        var a: List<String> = ["x", "y"]
        let b = a
        a.append("z")
        a[0] = "changed"
        #expect(Array(b) == ["x", "y"])
        #expect(Array(a) == ["changed", "y", "z"])
        var c = a
        c.removeLast()
        c.sort { $0 > $1 }
        #expect(Array(a) == ["changed", "y", "z"])
        #expect(Array(c) == ["y", "changed"])
        var d = a
        d.removeAll()
        #expect(d.isEmpty && a.count == 3)
    }

    @Test func everyElementIsDestroyedOnce() {
        Tracked.live = 0
        do {
            var list = List<Tracked>()
            for i in 0..<100 { list.append(Tracked(i)) }
            let copy = list
            list.append(Tracked(100))  // copies 100 references, shares the objects
            #expect(Tracked.live == 101)
            #expect(list.removeLast().value == 100)
            list.replaceSubrange(10..<20, with: [Tracked(-1)])
            #expect(list.count == 91 && list[10].value == -1 && list[11].value == 20)
            list.sort { $0.value > $1.value }
            #expect(list.first?.value == 99 && list.last?.value == -1)
            let shared = list
            list.removeAll { $0.value % 2 == 0 }  // in place, the copy untouched
            #expect(list.count == 46 && list.allSatisfy { $0.value % 2 != 0 })
            #expect(Array(list.map(\.value).prefix(3)) == [99, 97, 95] && shared.count == 91)
            struct Stop: Error {}
            #expect(throws: Stop.self) { try list.removeAll { if $0.value == 51 { throw Stop() }; return $0.value > 80 } }
            // Decided before the throw: 99…81 removed; from 51 on, all kept in order.
            #expect(list.first?.value == 79 && list.count == 36 && list.last?.value == -1)
            #expect(copy.count == 100 && copy[10].value == 10)
            list.removeAll(keepingCapacity: true)
            #expect(list.isEmpty)
        }
        #expect(Tracked.live == 0)
    }

    @Test func sortIsStableAndMatchesAReferenceSort() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 2, 3, 7, 64, 1000, 4099] {
            let keys = (0..<count).map { _ in Int.random(in: 0..<10, using: &generator) }
            var list = List<(key: Int, index: Int)>()
            for (index, key) in keys.enumerated() { list.append((key, index)) }
            list.sort { $0.key < $1.key }
            // Stable: equal keys keep their first order, so (key, index) is increasing.
            let expected = keys.enumerated().map { (key: $0.element, index: $0.offset) }
                .sorted { ($0.key, $0.index) < ($1.key, $1.index) }
            #expect(list.map(\.key) == List(expected.map(\.key)), "count \(count)")
            #expect(list.map(\.index) == List(expected.map(\.index)), "count \(count)")
        }
    }

    @Test func appendingContentsKeepsBothValues() {
        var bytes = List<UInt8>()
        bytes.append(contentsOf: "".utf8)
        #expect(bytes.isEmpty && bytes.capacity == 0)
        bytes.append(contentsOf: "héllo".utf8)  // contiguous: copied in one go
        let before = bytes
        bytes.append(contentsOf: [UInt8](repeating: 33, count: 100))
        bytes.append(contentsOf: (0..<3).lazy.map { UInt8($0) })  // not contiguous
        #expect(Array(before) == Array("héllo".utf8))
        #expect(bytes.count == 6 + 100 + 3 && bytes[6] == 33 && bytes.last == 2)
        var words: List<String> = ["a"]
        words.append(contentsOf: words)  // itself, contiguous
        #expect(Array(words) == ["a", "a"])
    }

    @Test func transformsReturnLists() {
        let list: List<Int> = [3, 1, 2]
        let doubled: List<Int> = list.map { $0 * 2 }
        #expect(doubled == [6, 2, 4])
        #expect(list.compactMap { $0 == 1 ? nil : $0 } == [3, 2])
        #expect(list.filter { $0 > 1 } == [3, 2])
        #expect(list.sorted { $0 < $1 } == [1, 2, 3])
        #expect(List(list.prefix(2)) == [3, 1])
        #expect(list + [4] == [3, 1, 2, 4])
        #expect(list.description == "[3, 1, 2]")
        var empty = List<Int>()
        #expect(empty.popLast() == nil && empty.first == nil && empty.description == "[]")
        #expect(empty.withContiguousStorageIfAvailable { $0.count } == 0)
    }
}
