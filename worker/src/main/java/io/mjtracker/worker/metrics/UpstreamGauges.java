package io.mjtracker.worker.metrics;

/** What the per-upstream gauges read from one upstream profile's side of tracking. Read from any thread. */
public interface UpstreamGauges {

    /** The profile's name. */
    String upstream();

    /** Distinct tasks tracked on this upstream. */
    int trackedTasks();

    /** Task-polls per second the cadence asks for. */
    double demandPerSecond();

    /** Task-polls per second the budget allows now: the rate share times the ids per request. */
    double budgetPerSecond();

    /** Polls due and waiting for the budget. */
    int overduePolls();

    /** Most ids one request carries now; 1 while polling with single fetches. */
    int idsPerRequest();

    /** The sync tick learnt from the answers, or 0. */
    double refreshPeriodSeconds();

    /** Requests per second this instance may send: its share of the profile's group limit. */
    double rateShare();

    /** Whether the circuit is open, or forced open by a refused key or a wrong base URL. */
    boolean circuitOpen();

    /** How long every task of this upstream has answered not-found (an incident), in seconds; 0 outside one. */
    double notFoundIncidentSeconds();

    /** Whether the profile takes hooks (a hook token is configured). */
    boolean hooksEnabled();

    /** Of the task ends (and, while trusted, changes) polls saw last, the share a hint announced first; 0 before any. */
    double hookShare();

    /** Whether the profile's tasks are polled at the safety gap plus on hints. */
    boolean hooksTrusted();
}
