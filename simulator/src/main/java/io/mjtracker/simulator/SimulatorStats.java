package io.mjtracker.simulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulator served: totals by status, single fetches per task, batch requests and the ids they
 * asked for, faults served, and each request's arrival time and status (a bounded ring) for rate and
 * pause checks. It never records request headers, so no key is ever stored. Thread-safe.
 */
public final class SimulatorStats {

    private static final int RING = 1 << 21;

    /**
     * One request as served.
     *
     * @param arrivalNanos {@link System#nanoTime()} when the request arrived
     * @param status the HTTP status answered, 0 where the connection was dropped without an answer
     */
    public record Request(long arrivalNanos, int status) {}

    private final long[] arrivals = new long[RING];
    private final int[] statuses = new int[RING];
    private long arrivalCount;
    private final Map<String, LongAdder> faultsServed = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> byStatus = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> fetchesById = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder idsAsked = new LongAdder();
    /** For tasks that have an owner: which keys asked for them, each as the credential sent. */
    private final Map<String, Set<String>> keysAsking = new ConcurrentHashMap<>();
    private final LongAdder foreignKeyAsks = new LongAdder();

    void record(long arrivalNanos, String taskId, int status) {
        total.increment();
        byStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
        if (taskId != null) {
            fetchesById.computeIfAbsent(taskId, s -> new LongAdder()).increment();
        }
        synchronized (arrivals) {
            int slot = (int) (arrivalCount++ & (RING - 1));
            arrivals[slot] = arrivalNanos;
            statuses[slot] = status;
        }
    }

    /** A task with an owner key was asked for (alone or in a batch) with {@code credential}. */
    void askedWith(String taskId, String credential, boolean owner) {
        keysAsking.computeIfAbsent(taskId, id -> ConcurrentHashMap.newKeySet()).add(credential == null ? "" : credential);
        if (!owner) {
            foreignKeyAsks.increment();
        }
    }

    /** The credentials (the auth header's value) a task with an owner key was asked for with. */
    public Set<String> keysAsking(String taskId) {
        return Set.copyOf(keysAsking.getOrDefault(taskId, Set.of()));
    }

    /** Asks for a task with an owner key made with another key: what a worker mixing up its profiles does. */
    public long foreignKeyAsks() {
        return foreignKeyAsks.sum();
    }

    /** Counts a fault as served, under a name such as {@code SLOW} or {@code quota}. */
    void faultServed(String name) {
        faultsServed.computeIfAbsent(name, s -> new LongAdder()).increment();
    }

    /** How often the fault of this name was served (a {@link Faults.Hostile} name, {@code outage}, {@code quota}). */
    public long faultsServed(String name) {
        LongAdder adder = faultsServed.get(name);
        return adder == null ? 0 : adder.sum();
    }

    /** The requests recorded (the last {@value #RING} at most), in order of arrival. */
    public List<Request> requests() {
        synchronized (arrivals) {
            int size = (int) Math.min(arrivalCount, RING);
            List<Request> copy = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                int slot = (int) ((arrivalCount - size + i) & (RING - 1));
                copy.add(new Request(arrivals[slot], statuses[slot]));
            }
            copy.sort(java.util.Comparator.comparingLong(Request::arrivalNanos));
            return copy;
        }
    }

    /** A request to the batch route, asking for {@code ids} ids (0 if its body was malformed); its answer is recorded too. */
    void recordBatch(int ids) {
        batches.increment();
        idsAsked.add(ids);
    }

    /** Every HTTP request served, whatever the route or answer; a batch counts one. */
    public long totalRequests() {
        return total.sum();
    }

    /** Answers with this HTTP status. */
    public long count(int status) {
        LongAdder adder = byStatus.get(status);
        return adder == null ? 0 : adder.sum();
    }

    /** Counts by HTTP status, sorted. */
    public Map<Integer, Long> byStatus() {
        Map<Integer, Long> copy = new TreeMap<>();
        byStatus.forEach((status, count) -> copy.put(status, count.sum()));
        return copy;
    }

    /** Requests to the batch route, whatever the answer (refused, 401, 429 and 400 included). */
    public long batchRequests() {
        return batches.sum();
    }

    /** Ids in the well-formed bodies of all batch requests, as sent (duplicates and unknown ids included). */
    public long idsAsked() {
        return idsAsked.sum();
    }

    /** Single fetches of one task id; a batch asking for it does not count. */
    public long fetchCount(String taskId) {
        LongAdder adder = fetchesById.get(taskId);
        return adder == null ? 0 : adder.sum();
    }

    /** The most requests that arrived within any window of this length (over the recorded ring). */
    public int maxRequestsInAnyWindow(Duration window) {
        long[] sorted;
        synchronized (arrivals) {
            int size = (int) Math.min(arrivalCount, RING);
            sorted = new long[size];
            for (int i = 0; i < size; i++) {
                sorted[i] = arrivals[(int) ((arrivalCount - size + i) & (RING - 1))];
            }
        }
        java.util.Arrays.sort(sorted);
        long width = window.toNanos();
        int best = 0;
        int start = 0;
        for (int end = 0; end < sorted.length; end++) {
            while (sorted[end] - sorted[start] >= width) {
                start++;
            }
            best = Math.max(best, end - start + 1);
        }
        return best;
    }

    /** Forgets everything recorded. */
    public void reset() {
        synchronized (arrivals) {
            arrivalCount = 0;
        }
        byStatus.clear();
        faultsServed.clear();
        fetchesById.clear();
        keysAsking.clear();
        foreignKeyAsks.reset();
        total.reset();
        batches.reset();
        idsAsked.reset();
    }
}
