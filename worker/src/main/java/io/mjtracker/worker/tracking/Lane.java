package io.mjtracker.worker.tracking;

import io.mjtracker.worker.metrics.UpstreamGauges;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.UpstreamClient;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One upstream profile's side of tracking: its tasks, the requests it sends with its own key, its own
 * budget, breaker and retries ({@link UpstreamGuard}), batching, learnt sync tick and dispatch order.
 * Lanes share nothing but the tracker thread, so one upstream's outage, 429s or revoked key never holds
 * another's polls back. Tracking state is the tracker thread's; the gauges may be read from any.
 */
public final class Lane implements UpstreamGauges {

    final String name;
    final UpstreamGuard guard;
    final BatchSupport batches;
    final RefreshLearner refresh;
    final Dispatcher dispatcher;
    final HookTrust hooks;
    /** This upstream's tasks by id: the same id on two upstreams is two tasks. */
    final Map<String, TrackedTask> tasks = new HashMap<>();
    private final UpstreamClient client;
    Requests requests;
    /** Requests sent and not answered yet; capped per lane so that a hanging upstream cannot hold every slot. */
    int outstanding;
    /**
     * False until the first request of the lane has come back. A cold HTTP client can take longer than one
     * permit period to open its first connection; a second request let out meanwhile opens a second one, and
     * both arrive together, which an upstream bucket with a small burst answers with a 429 (BENCHMARKS 3b).
     * So the first request goes alone, and the second keeps the send spacing from its answer, the last moment
     * the first can have arrived.
     */
    private boolean answeredOnce;
    private volatile int trackedTasks;
    private volatile double demandPerSecond;
    private volatile int overduePolls;
    private volatile int idsPerRequest = 1;
    private volatile long refreshPeriodMillis;

    /** A lane whose profile takes no hooks. */
    public Lane(String name, UpstreamClient client, UpstreamGuard guard, BatchSupport batches, boolean learnRefresh,
            Executor learning, Duration maxPollGap) {
        this(name, client, guard, batches, learnRefresh, learning, maxPollGap, null);
    }

    /**
     * @param learnRefresh learn a sync-tick gateway's refresh period and poll no faster than it
     * @param learning where the search for that period runs, off the tracker thread
     * @param maxPollGap no task waits longer than this between polls while others are polled
     * @param hookSafetyGap where the profile takes hooks: the gap its tasks are polled at while its hooks
     *     are trusted ({@link HookTrust}); null where it takes none
     */
    public Lane(String name, UpstreamClient client, UpstreamGuard guard, BatchSupport batches, boolean learnRefresh,
            Executor learning, Duration maxPollGap, Duration hookSafetyGap) {
        this.name = name;
        this.hooks = hookSafetyGap == null ? HookTrust.none() : new HookTrust(true, hookSafetyGap.toMillis());
        this.client = client;
        this.guard = guard;
        this.batches = batches;
        this.refresh = new RefreshLearner(learnRefresh, learning);
        this.dispatcher = new Dispatcher(maxPollGap.toMillis());
    }

    /** How many requests may be out at once: one until the upstream has answered once, then {@code configured}. */
    int maxOutstanding(int configured) {
        return answeredOnce ? configured : 1;
    }

    /** A request of the lane came back, answered or failed. */
    void requestEnded() {
        outstanding--;
        if (!answeredOnce) {
            answeredOnce = true;
            guard.spaceFromNow();
        }
    }

    /** Connects the lane's requests to the tracker thread that takes their answers. */
    void attach(Consumer<Runnable> trackerThread) {
        requests = new Requests(client, trackerThread);
    }

    /** Publishes the lane's state to the gauges, at the end of a tracker turn. */
    void publishGauges(long nowMillis) {
        trackedTasks = tasks.size();
        demandPerSecond = dispatcher.demandPerSecond();
        overduePolls = dispatcher.overdue();
        idsPerRequest = batches.idsPerRequest();
        refreshPeriodMillis = refresh.periodMillis(nowMillis);
    }

    @Override
    public String upstream() {
        return name;
    }

    @Override
    public int trackedTasks() {
        return trackedTasks;
    }

    @Override
    public double demandPerSecond() {
        return demandPerSecond;
    }

    @Override
    public double budgetPerSecond() {
        return guard.ratePerSecond() * idsPerRequest;
    }

    @Override
    public int overduePolls() {
        return overduePolls;
    }

    @Override
    public int idsPerRequest() {
        return idsPerRequest;
    }

    @Override
    public double refreshPeriodSeconds() {
        return refreshPeriodMillis / 1000.0;
    }

    @Override
    public double rateShare() {
        return guard.ratePerSecond();
    }

    @Override
    public boolean hooksEnabled() {
        return hooks.enabled();
    }

    @Override
    public double hookShare() {
        return hooks.share();
    }

    @Override
    public boolean hooksTrusted() {
        return hooks.trusted();
    }

    @Override
    public boolean circuitOpen() {
        return guard.circuitOpen();
    }

    @Override
    public double notFoundIncidentSeconds() {
        return guard.notFoundIncidentMillis() / 1000.0;
    }
}
