package io.mjtracker.worker.tracking;

import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * Tasks waiting for their next poll, earliest first (ties in scheduling order). A task that ended, was
 * dropped, or was planned again (a hint moved its poll sooner) leaves its old entry in the queue, skipped
 * once it reaches the head: removal from the middle of a heap costs O(n), and a rebalance can drop
 * thousands at once. An entry is live only while it is the task's latest plan.
 */
final class PollSchedule {

    private record Entry(TrackedTask task, long dueAtMillis, long sequence) {

        boolean live() {
            return !task.ended && task.sequence == sequence;
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>(
            Comparator.comparingLong(Entry::dueAtMillis).thenComparingLong(Entry::sequence));
    private long sequence;

    /** Plans the task's poll at {@code dueAtMillis}; any earlier plan of it is void from now on. */
    void schedule(TrackedTask task, long dueAtMillis) {
        task.dueAtMillis = dueAtMillis;
        task.sequence = sequence++;
        queue.add(new Entry(task, dueAtMillis, task.sequence));
    }

    /** The live task due first, or null; dead entries at the head are discarded on the way. */
    TrackedTask peek() {
        Entry head = queue.peek();
        while (head != null && !head.live()) {
            queue.poll();
            head = queue.peek();
        }
        return head == null ? null : head.task();
    }

    TrackedTask poll() {
        TrackedTask head = peek();
        if (head != null) {
            queue.poll();
        }
        return head;
    }
}
