package io.mjtracker.simulator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;

/**
 * Posts a task's JSON to its {@code notifyHook} on every change of status or progress, as self-hosted
 * midjourney-proxy does: unsigned, never retried, no order promised. It watches its tasks every 20 ms and
 * sends what changed, through the {@link HookFaults} in force (loss, delay that reorders, duplicates).
 * A hook shows what a fetch shows at that moment (with a sync tick, the copy as of the last tick): the
 * proxy calls the hook when its own record of the task changes.
 */
final class HookSender implements AutoCloseable {

    private static final long WATCH_MILLIS = 20;

    /** A task with a hook; {@code lastSent} is the status and progress hooked last. */
    private static final class Hooked {
        final String id;
        final TaskScript script;
        final long createdAt;
        final URI hook;
        String lastSent;

        Hooked(String id, TaskScript script, long createdAt, URI hook) {
            this.id = id;
            this.script = script;
            this.createdAt = createdAt;
            this.hook = hook;
        }
    }

    private final Map<String, Hooked> tasks = new ConcurrentHashMap<>();
    /** A task's state as fetches show it now, from its script and creation time. */
    private final BiFunction<TaskScript, Long, TaskState> visibleState;
    private final TaskRenderer renderer;
    private final AtomicReference<HookFaults> faults = new AtomicReference<>(HookFaults.NONE);
    private final SplittableRandom dice;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("sim-hooks").factory());
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    HookSender(BiFunction<TaskScript, Long, TaskState> visibleState, TaskRenderer renderer, long seed) {
        this.visibleState = visibleState;
        this.renderer = renderer;
        this.dice = new SplittableRandom(seed);
        scheduler.scheduleWithFixedDelay(this::watch, WATCH_MILLIS, WATCH_MILLIS, TimeUnit.MILLISECONDS);
    }

    void add(String id, TaskScript script, long createdAt, URI hook) {
        tasks.put(id, new Hooked(id, script, createdAt, hook));
    }

    void faults(HookFaults value) {
        faults.set(value);
    }

    HookFaults faults() {
        return faults.get();
    }

    /** Hooks that left (duplicates counted), hooks dropped on purpose, hooks whose POST failed. */
    long sent() {
        return sent.get();
    }

    long lost() {
        return lost.get();
    }

    long failed() {
        return failed.get();
    }

    private void watch() {
        HookFaults current = faults.get();
        for (var it = tasks.values().iterator(); it.hasNext(); ) {
            Hooked task = it.next();
            TaskState state = visibleState.apply(task.script, task.createdAt);
            if (!state.visible()) {
                continue;
            }
            String key = state.status() + " " + state.progress();
            if (key.equals(task.lastSent)) {
                continue;
            }
            task.lastSent = key;
            boolean ended = state.finishTime() > 0 || state.status().equals(task.script.end());
            if (ended) {
                it.remove();
            }
            if (current.enabled()) {
                hook(task, renderer.render(task.id, task.script, state), current);
            }
        }
    }

    private void hook(Hooked task, byte[] body, HookFaults current) {
        if (dice.nextDouble() < current.lossRate()) {
            lost.incrementAndGet();
            return;
        }
        int copies = dice.nextDouble() < current.duplicateRate() ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = current.maxDelay().isZero() ? 0 : dice.nextLong(current.maxDelay().toMillis() + 1);
            scheduler.schedule(() -> post(task.hook, body), delay, TimeUnit.MILLISECONDS);
        }
    }

    private void post(URI hook, byte[] body) {
        sent.incrementAndGet();
        HttpRequest request = HttpRequest.newBuilder(hook).timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error != null || response.statusCode() >= 300) {
                failed.incrementAndGet();
            }
        });
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        client.close();
    }
}
