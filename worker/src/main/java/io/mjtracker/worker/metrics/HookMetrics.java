package io.mjtracker.worker.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The meters of hooks (docs/metrics.md): calls the receiver answered, by result, with its latency, and what
 * the hints they became did on the instance tracking the task. Tagged by the profile's metrics tag; a call
 * whose token was refused names no profile ({@code upstream="-"}), since its path is the caller's word.
 */
public final class HookMetrics {

    public static final String ACCEPTED = "accepted";
    /** Unknown profile, wrong token, wrong method. */
    public static final String REJECTED = "rejected";
    public static final String RATE_LIMITED = "rate_limited";
    public static final String TOO_LARGE = "too_large";
    public static final String MALFORMED = "malformed";
    /** The hint could not be passed on (the broker away). */
    public static final String UNAVAILABLE = "unavailable";
    private static final List<String> RECEIVED_RESULTS = List.of(ACCEPTED, REJECTED, RATE_LIMITED, TOO_LARGE, MALFORMED, UNAVAILABLE);

    /** A hint moved its task's next poll sooner. */
    public static final String SOONER = "sooner";
    /** Its task's poll was due by then anyway, or one was in flight (the answer is checked against the hint). */
    public static final String DUE = "due";
    /** It said what the last poll had already seen: a duplicate, a late or reordered hook. */
    public static final String KNOWN = "known";
    /** This instance does not track the task (another does, or it ended). */
    public static final String UNTRACKED = "untracked";
    /**
     * Not an end, while the profile's hooks are trusted (its tasks' other changes are polled at the safety
     * gap then) or while polls are overdue (the budget goes to the polls that may see an end).
     */
    public static final String SKIPPED = "skipped";
    private static final List<String> HINT_RESULTS = List.of(SOONER, DUE, KNOWN, UNTRACKED, SKIPPED);
    private static final String NO_PROFILE = "-";

    private final MeterRegistry registry;
    private final Map<String, String> tagOfProfile;
    private final Map<String, Map<String, Counter>> received = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Counter>> hints = new ConcurrentHashMap<>();
    private final Timer latency;

    /** @param tagOfProfile the metrics tag of every profile that takes hooks, by profile name */
    public HookMetrics(MeterRegistry registry, Map<String, String> tagOfProfile) {
        this.registry = registry;
        this.tagOfProfile = Map.copyOf(tagOfProfile);
        latency = Timer.builder(TrackerMetrics.PREFIX + "hook.request.duration").description("Time the hook receiver took to answer a call")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
        received(NO_PROFILE);
        this.tagOfProfile.values().forEach(tag -> {
            received(tag);
            hints(tag);
        });
    }

    /** A call judged, just before its answer goes out; {@code profile} null where its token was refused. */
    public void received(String profile, String result, long latencyNanos) {
        received(profile == null ? NO_PROFILE : tagOf(profile)).get(result).increment();
        latency.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** What a hint did on the instance tracking (or not tracking) its task. */
    public void hint(String profile, String result) {
        hints(tagOf(profile)).get(result).increment();
    }

    /** A profile that takes no hooks here (a hint written under another configuration) counts as none: the tags stay bounded. */
    private String tagOf(String profile) {
        return tagOfProfile.getOrDefault(profile, NO_PROFILE);
    }

    private Map<String, Counter> received(String tag) {
        return received.computeIfAbsent(tag, key -> counters("hooks.received",
                "Hook calls answered by the receiver, by result", key, RECEIVED_RESULTS));
    }

    private Map<String, Counter> hints(String tag) {
        return hints.computeIfAbsent(tag, key -> counters("hints",
                "Hints read from the hints topic, by what they did here", key, HINT_RESULTS));
    }

    private Map<String, Counter> counters(String name, String description, String tag, List<String> results) {
        Map<String, Counter> byResult = new ConcurrentHashMap<>();
        for (String result : results) {
            byResult.put(result, Counter.builder(TrackerMetrics.PREFIX + name).description(description)
                    .tags("upstream", tag, "result", result).register(registry));
        }
        return byResult;
    }
}
