package io.mjtracker.worker.upstream;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Tells a task-specific not-found (a wrong id, a task the upstream dropped) from a whole-upstream one
 * (a base URL with an extra path prefix, a gateway answering empty 200s during an incident), which
 * must end no task. A run of not-found answers from {@link #DISTINCT_FOR_INCIDENT} different tasks with
 * no task found in between is an incident; after {@link #DISTINCT_FOR_CHECK} of them, a task that was
 * found lately (the canary) is asked once more: not found too, it is an incident; found, the not-found
 * answers are the tasks' own. Any task found ends an incident. An incident that lasts
 * {@link #INCIDENT_LIMIT} with no task found is believed: an upstream that lost its store (a self-hosted
 * proxy restarted without persistence) will never find its tasks again, and its requests must be
 * answered; the not-found answers then end tasks as NOT_FOUND again. Tracker thread; {@link
 * #incidentMillis} from any.
 */
final class NotFoundWatch {

    static final int DISTINCT_FOR_INCIDENT = 10;
    static final int DISTINCT_FOR_CHECK = 3;
    /** How long every task may answer not-found before the answers are believed. */
    static final Duration INCIDENT_LIMIT = Duration.ofMinutes(30);

    private final Clock clock;
    private volatile long incidentSinceMillis = -1;

    private final Set<String> notFoundRun = new HashSet<>();
    private String canary;
    private boolean canaryChecked;
    private boolean canaryOutstanding;
    private boolean incident;

    NotFoundWatch(Clock clock) {
        this.clock = clock;
    }

    /** A task answered; returns true where this answer ended an incident. */
    boolean found(String taskId) {
        canary = taskId;
        notFoundRun.clear();
        canaryChecked = false;
        boolean ended = incident;
        incident = false;
        incidentSinceMillis = -1;
        return ended;
    }

    /** A task was not found; returns true where this answer started an incident. */
    boolean notFound(String taskId) {
        if (notFoundRun.size() < DISTINCT_FOR_INCIDENT) {
            notFoundRun.add(taskId);
        }
        if (!incident && notFoundRun.size() >= DISTINCT_FOR_INCIDENT) {
            startIncident();
            return true;
        }
        return false;
    }

    private void startIncident() {
        incident = true;
        incidentSinceMillis = clock.millis();
    }

    /** The canary to ask now, or null; asking it is then outstanding until {@link #canaryAnswered}. */
    String canaryToCheck() {
        if (incident || canary == null || canaryChecked || canaryOutstanding || notFoundRun.size() < DISTINCT_FOR_CHECK) {
            return null;
        }
        canaryOutstanding = true;
        return canary;
    }

    /**
     * The canary's answer: found clears the run, not found starts an incident (returns true then).
     * Other answers (timeouts, errors) leave the question open for the next check.
     */
    boolean canaryAnswered(boolean found, boolean notFound) {
        canaryOutstanding = false;
        if (found) {
            notFoundRun.clear();
            return false;
        }
        if (notFound) {
            canaryChecked = true;
            if (!incident) {
                startIncident();
                return true;
            }
        }
        return false;
    }

    /** Whether a not-found answer may end a task now: no incident (or one believed), and no canary check pending. */
    boolean trusted() {
        return believed() || !incident && !(canary != null && !canaryChecked && notFoundRun.size() >= DISTINCT_FOR_CHECK);
    }

    /** In an incident not yet believed: not-found answers end no task, and the circuit stays forced open. */
    boolean inIncident() {
        return incident && !believed();
    }

    /** An incident that has lasted {@link #INCIDENT_LIMIT}: its answers are taken as they are. */
    boolean believed() {
        return incident && clock.millis() - incidentSinceMillis >= INCIDENT_LIMIT.toMillis();
    }

    /** How long the current incident has lasted, in milliseconds; 0 when there is none. */
    long incidentMillis() {
        long since = incidentSinceMillis;
        return since < 0 ? 0 : Math.max(0, clock.millis() - since);
    }

    String canary() {
        return canary;
    }

    int runLength() {
        return notFoundRun.size();
    }
}
