package io.mjtracker.worker.upstream;

import io.mjtracker.worker.config.BatchMode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether polls go out as batches now, and of how many ids. Tracker thread only.
 *
 * <p>With {@code MJ_API_BATCH=auto} the first batch answer tells whether the upstream has the route; an
 * upstream without it is polled with single fetches and asked again every {@link #RECHECK} (a gateway
 * may be upgraded), and so is one whose batch answers cannot be read {@link #UNREADABLE_LIMIT} times in a
 * row while single fetches still work. Outages (429, 5xx, timeouts) change nothing: single fetches would
 * meet them too. A proxy that silently answers fewer tasks than asked is caught by the caller (the
 * missing tasks turn out to exist) and the batch size follows it down ({@link #cappedAt}).
 *
 * <p>Batches start at {@link #START_IDS} ids and double, up to the configured most, each time a full one
 * is answered while more polls were waiting for the budget: a key with a few hundred tasks never sends
 * a thousand-id query, one with a hundred thousand gets the ids per request it needs. A larger batch
 * that fails where smaller ones were answered (a gateway whose query cannot take that many ids) takes
 * the size back to the largest answered, and it stays there for {@link #RECHECK} ({@link #sizeFailed}).
 */
public final class BatchSupport {

    static final Duration RECHECK = Duration.ofMinutes(10);
    static final int UNREADABLE_LIMIT = 3;
    /** Ids in the first batches; the size grows from here under pressure. */
    static final int START_IDS = 100;
    /** Batches in a row failing with an error or a timeout after which the size is halved. */
    static final int SIZE_FAILURE_LIMIT = 3;
    /** How long a size halved for failures in a row holds before growing again. */
    static final Duration SHORT_HOLD = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(BatchSupport.class);

    /** The upstream profile, named in every log line. */
    private final String upstream;
    private final BatchMode mode;
    private final Clock clock;
    /** The most ids per request: as configured, or the cap the upstream was seen to answer. */
    private int maxIds;
    /** Ids per request now, at most {@link #maxIds}. */
    private int size;
    /** The largest batch answered cleanly so far (0: none). */
    private int largestAnswered;
    /** Until then batches do not grow: a larger one failed where a smaller one was answered. */
    private long noGrowthUntilMillis;
    /** Batches in a row that failed with an error or a timeout since the last answer. */
    private int sizeFailuresInARow;
    private boolean confirmed;
    private long singleUntilMillis = -1;
    private int unreadableInARow;
    private int suspectedCap = -1;
    /** The most tasks the upstream answers per batch, once seen: -1 until then. */
    private int learntCap = -1;

    public BatchSupport(String upstream, BatchMode mode, int maxIds, Clock clock) {
        this.upstream = upstream;
        this.mode = mode;
        this.maxIds = mode == BatchMode.OFF ? 1 : maxIds;
        this.size = Math.min(this.maxIds, START_IDS);
        this.clock = clock;
        if (mode == BatchMode.OFF) {
            LOG.info("upstream '{}': polling with one request per task (batch mode off)", upstream);
        }
    }

    /** Most ids the next request may carry: 1 means a single fetch. */
    public int idsPerRequest() {
        if (mode == BatchMode.OFF) {
            return 1;
        }
        if (singleUntilMillis >= 0) {
            if (clock.millis() < singleUntilMillis) {
                return 1;
            }
            singleUntilMillis = -1;
            LOG.info("upstream '{}': asking again whether it answers batch queries", upstream);
        }
        return size;
    }

    /**
     * Takes the outcome of a batch request.
     *
     * @param asked the ids the batch asked for
     * @param moreWaiting whether polls that were due stayed behind when it went out (the budget binds)
     * @return a failure to record against the upstream for a missing route where batching is required
     *     ({@code MJ_API_BATCH=on}), or null
     */
    public FetchResult answered(BatchResult result, List<String> asked, boolean moreWaiting) {
        if (!(result instanceof BatchResult.Answered)) {
            if (sizeFailed(result, asked.size())) {
                return null;
            }
        } else {
            sizeFailuresInARow = 0;
        }
        switch (result) {
            case BatchResult.Answered answered -> {
                unreadableInARow = 0;
                if (!confirmed) {
                    confirmed = true;
                    LOG.info("upstream '{}': polling in batches of {} tasks, up to {} while polls wait for the budget (it answers {})",
                            upstream, size, maxIds, HttpUpstreamClient.BATCH_PATH);
                }
                // Only an answer with every id asked proves the size: one that left some out may be a cap not yet learnt.
                if (answersAll(answered, asked)) {
                    largestAnswered = Math.max(largestAnswered, asked.size());
                    if (asked.size() >= size && moreWaiting) {
                        grow();
                    }
                }
            }
            case BatchResult.Unsupported unsupported -> {
                if (mode == BatchMode.ON) {
                    return new FetchResult.Misconfigured("batch mode is on for upstream '" + upstream + "' (MJ_API_BATCH=on, or the "
                            + "profile's batch=on) but it has no batch route " + HttpUpstreamClient.BATCH_PATH + " ("
                            + unsupported.message() + "); set it to auto or off");
                }
                fallBack("the upstream has no batch route (" + unsupported.message() + ")");
            }
            case BatchResult.Failed failed when failed.failure() instanceof FetchResult.Malformed malformed -> {
                if (++unreadableInARow >= UNREADABLE_LIMIT && mode == BatchMode.AUTO) {
                    fallBack(UNREADABLE_LIMIT + " batch answers in a row could not be read (" + malformed.message() + ")");
                }
            }
            case BatchResult.Failed failed -> {
                // An outage or a 429: single fetches would meet it too, so the mode stays.
            }
        }
        return null;
    }

    private static boolean answersAll(BatchResult.Answered answered, List<String> asked) {
        for (String id : asked) {
            if (!answered.byId().containsKey(id)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a failed batch is taken as too large, and the size lowered: a size larger than any answered
     * that fails with an error, a timeout, a refusal or an unreadable answer (a gateway whose query or
     * request line cannot take that many ids) goes back to the largest answered and holds there for
     * {@link #RECHECK}; a size that fails with an error or a timeout {@link #SIZE_FAILURE_LIMIT} times in
     * a row is halved (not below {@link #START_IDS}) and holds for {@link #SHORT_HOLD}, since an outage
     * fails every size alike. A 429, a refused key or an IO failure says nothing about the size.
     */
    private boolean sizeFailed(BatchResult result, int asked) {
        FetchResult failure = result instanceof BatchResult.Failed failed ? failed.failure() : null;
        boolean sizeMayMatter = failure == null || failure instanceof FetchResult.Malformed
                || failure instanceof FetchResult.ServerError || failure instanceof FetchResult.Timeout;
        if (!sizeMayMatter || asked <= START_IDS) {
            return false;
        }
        if (largestAnswered > 0 && asked > largestAnswered) {
            LOG.warn("upstream '{}': a batch of {} ids failed ({}) where {} were answered: batches ask for {} at most for {}",
                    upstream, asked, describe(result), largestAnswered, largestAnswered, RECHECK);
            size = Math.min(size, largestAnswered);
            noGrowthUntilMillis = clock.millis() + RECHECK.toMillis();
            return true;
        }
        if (failure instanceof FetchResult.ServerError || failure instanceof FetchResult.Timeout) {
            if (++sizeFailuresInARow >= SIZE_FAILURE_LIMIT && size > START_IDS) {
                sizeFailuresInARow = 0;
                size = Math.max(START_IDS, size / 2);
                largestAnswered = Math.min(largestAnswered, size);
                noGrowthUntilMillis = clock.millis() + SHORT_HOLD.toMillis();
                LOG.warn("upstream '{}': {} batches in a row failed ({}): batches ask for {} at most for {}",
                        upstream, SIZE_FAILURE_LIMIT, describe(result), size, SHORT_HOLD);
            }
        }
        return false;
    }

    private static String describe(BatchResult result) {
        return switch (result) {
            case BatchResult.Failed failed -> failed.failure().getClass().getSimpleName();
            case BatchResult.Unsupported unsupported -> unsupported.message();
            case BatchResult.Answered answered -> "answered";
        };
    }

    /**
     * A task left out of a clean batch answer of {@code answered} tasks turned out to exist. The second
     * time for the same count the upstream is taken to cap its answers there (once could be a task created
     * between the batch and the single fetch).
     *
     * @return true when this call took the cap as known
     */
    public boolean cappedAt(int answered) {
        if (answered < 1 || answered >= maxIds) {
            return false;
        }
        if (answered != suspectedCap) {
            suspectedCap = answered;
            return false;
        }
        LOG.warn("upstream '{}' answered {} of more tasks asked and left out some that exist: batches now ask for {} at most",
                upstream, answered, answered);
        maxIds = answered;
        size = Math.min(size, maxIds);
        learntCap = answered;
        suspectedCap = -1;
        return true;
    }

    /**
     * True where a clean answer to a batch of {@code asked} ids leaves tasks out only because it stopped at
     * the cap already learnt (a batch sent before the cap was known): those tasks go into the next batch,
     * with no single fetch to confirm them.
     */
    public boolean explainedByCap(BatchResult.Answered answer, int asked) {
        return learntCap > 0 && answer.clean() && answer.elements() >= learntCap && asked > answer.elements();
    }

    private void grow() {
        if (clock.millis() < noGrowthUntilMillis) {
            return;
        }
        int grown = Math.min(maxIds, size * 2);
        if (grown > size) {
            size = grown;
            LOG.info("upstream '{}': polls wait for the budget, batches now ask for up to {} ids", upstream, size);
        }
    }

    private void fallBack(String reason) {
        unreadableInARow = 0;
        confirmed = false;
        // Batches already in flight when the first refusal came back say the same again: logged once.
        boolean alreadySingle = singleUntilMillis >= 0 && clock.millis() < singleUntilMillis;
        singleUntilMillis = clock.millis() + RECHECK.toMillis();
        if (!alreadySingle) {
            LOG.warn("upstream '{}': polling with one request per task: {}; asking again in {}", upstream, reason, RECHECK);
        }
    }
}
