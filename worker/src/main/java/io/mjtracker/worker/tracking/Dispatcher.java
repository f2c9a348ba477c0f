package io.mjtracker.worker.tracking;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * What to poll now and how to pack it. Tracker thread only.
 *
 * <p>Tasks wait in the {@link PollSchedule} until their poll is due; then they move to one ready queue per
 * {@link Urgency}, earliest due first (finishing ones: the one that may have finished earliest first, since
 * its lag, if it has, is the longest). Each request takes from the ready queues: first any task not polled
 * for {@code maxPollGap} (so none starves however long the budget falls short), then the most urgent
 * class. A batch packs up to the ids allowed; tasks that must be asked alone (a not-found answer to
 * confirm or count) go in a request of their own and are skipped while a batch is packed. While the
 * budget keeps up, the ready queues hold only what is due this instant and the order changes nothing.
 *
 * <p>It also keeps the demand: the task-polls per second the cadence asks for, each scheduled task
 * counting one over the interval chosen for it (at least {@link #MIN_DEMAND_INTERVAL_MS}).
 */
final class Dispatcher {

    /** Intervals shorter than this (a confirmation asked at once, a first poll) count as this in the demand. */
    static final long MIN_DEMAND_INTERVAL_MS = 1_000;
    /** Single-fetch tasks a batch steps over at most before it goes out less than full. */
    private static final int SKIP_LIMIT = 256;

    private final PollSchedule schedule = new PollSchedule();
    private final Map<Urgency, PriorityQueue<TrackedTask>> ready = new EnumMap<>(Urgency.class);
    private final long maxPollGapMillis;
    private long demandMicros;
    private int readySize;

    Dispatcher(long maxPollGapMillis) {
        this.maxPollGapMillis = maxPollGapMillis;
        Comparator<TrackedTask> earliestDue = Comparator.comparingLong((TrackedTask task) -> task.dueAtMillis)
                .thenComparingLong(task -> task.sequence);
        for (Urgency urgency : Urgency.values()) {
            ready.put(urgency, new PriorityQueue<>(urgency == Urgency.FINISHING
                    ? Comparator.comparingLong((TrackedTask task) -> task.mayHaveFinishedAtMillis).thenComparing(earliestDue)
                    : earliestDue));
        }
    }

    /** Plans the task's next poll at {@code dueAtMillis}. */
    void schedule(TrackedTask task, long nowMillis, long dueAtMillis, Urgency urgency) {
        forget(task);
        task.queued = true;
        task.urgency = urgency;
        task.demandMicros = 1_000_000_000L / Math.max(MIN_DEMAND_INTERVAL_MS, dueAtMillis - nowMillis);
        demandMicros += task.demandMicros;
        schedule.schedule(task, dueAtMillis);
    }

    /**
     * Makes the task's next poll due at {@code dueAtMillis} in {@code urgency}, where that is sooner or more
     * urgent than planned: a hint said it changed. A task due already and waiting for a request changes
     * queue (O(waiting): hints of an end come once per task); one still scheduled is planned again. A task
     * made FINISHING may have finished now. Returns whether anything changed.
     */
    boolean expedite(TrackedTask task, long nowMillis, long dueAtMillis, Urgency urgency) {
        boolean moreUrgent = urgency.compareTo(task.urgency) < 0;
        if (task.dueAtMillis <= nowMillis) {
            // Due already: waiting in a ready queue (or moving there this turn); only a more urgent class helps it.
            if (!moreUrgent) {
                return false;
            }
            if (ready.get(task.urgency).remove(task)) {
                task.urgency = urgency;
                task.mayHaveFinishedAtMillis = nowMillis;
                ready.get(urgency).add(task);
                return true;
            }
        } else if (task.dueAtMillis <= dueAtMillis && !moreUrgent) {
            return false;
        }
        if (urgency == Urgency.FINISHING) {
            task.mayHaveFinishedAtMillis = nowMillis;
        }
        schedule(task, nowMillis, Math.min(dueAtMillis, task.dueAtMillis), urgency);
        return true;
    }

    /** Takes an ended task out of the demand; its queue entry is skipped when reached. */
    void forget(TrackedTask task) {
        demandMicros -= task.demandMicros;
        task.demandMicros = 0;
    }

    /**
     * Moves the tasks due by {@code nowMillis} to the ready queues, each only where {@code stillWanted}
     * accepts it (the tracker ends timed-out tasks there); returns 0 where a poll is ready, else the
     * milliseconds until the next is due, or -1 where nothing is scheduled.
     */
    long millisUntilReady(long nowMillis, Predicate<TrackedTask> stillWanted) {
        TrackedTask head;
        while ((head = schedule.peek()) != null && head.dueAtMillis <= nowMillis) {
            schedule.poll();
            if (stillWanted.test(head)) {
                ready.get(head.urgency).add(head);
                readySize++;
            } else {
                head.queued = false;
            }
        }
        if (hasReady()) {
            return 0;
        }
        return head == null ? -1 : head.dueAtMillis - nowMillis;
    }

    /** The tasks the next request asks for, most urgent first: one, or up to {@code maxIds} packed in a batch. */
    List<TrackedTask> take(long nowMillis, int maxIds) {
        List<TrackedTask> picked = new ArrayList<>(Math.min(maxIds, 64));
        List<TrackedTask> skipped = List.of();
        TrackedTask next;
        while (picked.size() < maxIds && (next = pollMostUrgent(nowMillis)) != null) {
            if (maxIds > 1 && next.asksAlone()) {
                if (picked.isEmpty()) {
                    picked.add(next);
                    break;
                }
                if (skipped.isEmpty()) {
                    skipped = new ArrayList<>();
                }
                skipped.add(next);
                if (skipped.size() >= SKIP_LIMIT) {
                    break;
                }
                continue;
            }
            picked.add(next);
        }
        for (TrackedTask task : skipped) {
            task.queued = true;
            ready.get(task.urgency).add(task);
            readySize++;
        }
        return picked;
    }

    /** Polls due and waiting for budget (live and ended entries alike until reached). */
    int overdue() {
        return readySize;
    }

    /** Task-polls per second the cadence asks for across every tracked task. */
    double demandPerSecond() {
        return demandMicros / 1e6;
    }

    /** Whether a live task is due and waiting for a request. */
    boolean hasReady() {
        for (PriorityQueue<TrackedTask> queue : ready.values()) {
            if (live(queue) != null) {
                return true;
            }
        }
        return false;
    }

    private TrackedTask pollMostUrgent(long nowMillis) {
        PriorityQueue<TrackedTask> chosen = null;
        long oldestPoll = Long.MAX_VALUE;
        for (PriorityQueue<TrackedTask> queue : ready.values()) {
            TrackedTask head = live(queue);
            if (head != null && nowMillis - head.lastPolledOrSeenMillis() >= maxPollGapMillis
                    && head.lastPolledOrSeenMillis() < oldestPoll) {
                chosen = queue;
                oldestPoll = head.lastPolledOrSeenMillis();
            }
        }
        if (chosen == null) {
            for (PriorityQueue<TrackedTask> queue : ready.values()) {
                if (live(queue) != null) {
                    chosen = queue;
                    break;
                }
            }
        }
        if (chosen == null) {
            return null;
        }
        readySize--;
        TrackedTask taken = chosen.poll();
        taken.queued = false;
        return taken;
    }

    /** The queue's first live task; ended ones found on the way are dropped. */
    private TrackedTask live(PriorityQueue<TrackedTask> queue) {
        TrackedTask head = queue.peek();
        while (head != null && head.ended) {
            queue.poll();
            readySize--;
            head = queue.peek();
        }
        return head;
    }
}
