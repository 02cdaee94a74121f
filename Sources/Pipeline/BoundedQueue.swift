import Definition
import Foundation
import Report

/// A blocking FIFO with a capacity: producers wait when it is full, so
/// memory stays bounded however fast the readers are.
final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Slots are cleared when popped, so a consumed chunk is freed at once.
    private var items: [Element?] = []
    private var head = 0
    private let capacity: Int
    private var openProducers: Int

    init(capacity: Int, producers: Int) {
        self.capacity = max(1, capacity)
        openProducers = producers
    }

    /// Waits for room, then appends.
    func push(_ item: Element) {
        condition.lock()
        while items.count - head >= capacity { condition.wait() }
        items.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for an item; nil once every producer has finished and the queue is empty.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head {
            if openProducers == 0 { return nil }
            condition.wait()
        }
        let item = items[head].take()!
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// A producer is done.
    func finishProducer() {
        condition.lock()
        openProducers -= 1
        condition.broadcast()
        condition.unlock()
    }
}
