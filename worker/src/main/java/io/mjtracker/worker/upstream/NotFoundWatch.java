package io.mjtracker.worker.upstream;

import java.util.HashSet;
import java.util.Set;

/**
 * Tells a task-specific not-found (a wrong id, a task the upstream dropped) from a whole-upstream one
 * (a base URL with an extra path prefix, a gateway answering empty 200s during an incident), which
 * must end no task. A run of not-found answers from {@link #DISTINCT_FOR_INCIDENT} different tasks with
 * no task found in between is an incident; after {@link #DISTINCT_FOR_CHECK} of them, a task that was
 * found lately (the canary) is asked once more: not found too, it is an incident; found, the not-found
 * answers are the tasks' own. Any task found ends an incident. Tracker thread only.
 */
final class NotFoundWatch {

    static final int DISTINCT_FOR_INCIDENT = 10;
    static final int DISTINCT_FOR_CHECK = 3;

    private final Set<String> notFoundRun = new HashSet<>();
    private String canary;
    private boolean canaryChecked;
    private boolean canaryOutstanding;
    private boolean incident;

    /** A task answered; returns true where this answer ended an incident. */
    boolean found(String taskId) {
        canary = taskId;
        notFoundRun.clear();
        canaryChecked = false;
        boolean ended = incident;
        incident = false;
        return ended;
    }

    /** A task was not found; returns true where this answer started an incident. */
    boolean notFound(String taskId) {
        if (notFoundRun.size() < DISTINCT_FOR_INCIDENT) {
            notFoundRun.add(taskId);
        }
        if (!incident && notFoundRun.size() >= DISTINCT_FOR_INCIDENT) {
            incident = true;
            return true;
        }
        return false;
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
                incident = true;
                return true;
            }
        }
        return false;
    }

    /** Whether a not-found answer may end a task now: no incident, and no canary check pending. */
    boolean trusted() {
        return !incident && !(canary != null && !canaryChecked && notFoundRun.size() >= DISTINCT_FOR_CHECK);
    }

    boolean inIncident() {
        return incident;
    }

    String canary() {
        return canary;
    }

    int runLength() {
        return notFoundRun.size();
    }
}
