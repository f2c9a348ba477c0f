package io.mjtracker.worker.upstream;

import java.util.Map;

/**
 * What one {@code list-by-condition} request produced, classified at the HTTP boundary like {@link FetchResult}.
 * {@link #metricTag()} is the {@code result} tag of the batch request counter.
 */
public sealed interface BatchResult {

    String metricTag();

    /**
     * A list came back. Each element that names an id is its task's answer, a {@link FetchResult.Found} or,
     * where the element is not a task, a {@link FetchResult.Malformed}; ids the list does not name are absent
     * (unknown to the upstream, another key's, or left out by a cap), which alone proves nothing.
     *
     * @param elements how many elements the list held, named or not
     */
    record Answered(Map<String, FetchResult> byId, int elements) implements BatchResult {
        public String metricTag() { return "ok"; }

        /** Every element named a distinct task: only such an answer's length can show a cap. */
        public boolean clean() {
            return elements == byId.size();
        }
    }

    /** The upstream has no batch route (404, 405, 501, an HTML page, or JSON that is not a list). */
    record Unsupported(String message) implements BatchResult {
        public String metricTag() { return "unsupported"; }
    }

    /** The request failed as a whole, as a single fetch can (429, 5xx, timeout, a key refused, an unreadable list). */
    record Failed(FetchResult failure) implements BatchResult {
        public String metricTag() { return failure.metricTag(); }
    }
}
