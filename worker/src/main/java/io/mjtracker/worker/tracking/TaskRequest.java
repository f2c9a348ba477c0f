package io.mjtracker.worker.tracking;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RequestRef;
import org.apache.kafka.common.header.Header;

/**
 * One input record asking for a task to be tracked.
 *
 * @param upstream the upstream profile the request names ({@code default} where it names none)
 * @param source the original request's record, also when this one is a checkpoint of it: results and
 *     status updates name it, and consumers tell requests apart by it
 * @param headers the input record's headers, copied onto every record this request produces
 * @param metadata the input's fields other than {@code id}, passed through to the outputs (empty object when none)
 * @param requestedAtMillis when the request was made (the original record's timestamp): the NOT_FOUND
 *     grace and the TIMED_OUT limit count from here, across restarts and handovers
 * @param unavailableCreditMillis time the upstream was unreachable or refused the key while earlier
 *     owners tracked this request: the TIMED_OUT limit is extended by it
 * @param unavailableAtIntakeMillis the upstream's unavailability clock when this owner took the request
 *     in, so that the time it adds while this owner tracks it can be told apart
 * @param assignment which assignment of the partition took the record in; results of an earlier
 *     assignment are discarded after a rebalance because the new owner redoes them
 */
public record TaskRequest(
        String taskId,
        String upstream,
        RequestRef source,
        Header[] headers,
        ObjectNode metadata,
        long requestedAtMillis,
        long unavailableCreditMillis,
        long unavailableAtIntakeMillis,
        long assignment) {

    /** The credit to carry into a checkpoint written now, given the unavailability clock's reading. */
    public long unavailableCreditAt(long unavailableClockMillis) {
        return unavailableCreditMillis + Math.max(0, unavailableClockMillis - unavailableAtIntakeMillis);
    }
}
