package io.mjtracker.worker.upstream;

import io.mjtracker.common.task.Task;
import java.time.Duration;

/**
 * What one fetch of a task produced, classified at the HTTP boundary so that tracking never looks at
 * status codes or bodies. {@link #metricTag()} is the {@code result} tag of the poll metrics.
 */
public sealed interface FetchResult {

    String metricTag();

    /** A task came back. */
    record Found(Task task) implements FetchResult {
        public String metricTag() { return "ok"; }
    }

    /** The upstream does not know the task (yet): 404, 204, an empty or {@code null} 200, or {@code task_no_found}. */
    record NotFound(String message) implements FetchResult {
        public String metricTag() { return "not_found"; }
    }

    /** HTTP 429; {@code retryAfter} is null where the server gave no usable {@code Retry-After}. */
    record RateLimited(Duration retryAfter) implements FetchResult {
        public String metricTag() { return "rate_limited"; }
    }

    /** 401 or 403: the key or header is wrong; no request will succeed until configuration changes. */
    record Unauthorized(int status, String message) implements FetchResult {
        public String metricTag() { return "unauthorized"; }
    }

    /** An HTML page or a redirect where JSON was expected: almost always a wrong {@code MJ_API_BASE_URL}. */
    record Misconfigured(String message) implements FetchResult {
        public String metricTag() { return "misconfigured"; }
    }

    /** 5xx or 408: the upstream failed this time. */
    record ServerError(int status, String message) implements FetchResult {
        public String metricTag() { return "server_error"; }
    }

    /** No answer within the request or connect timeout. */
    record Timeout(String message) implements FetchResult {
        public String metricTag() { return "timeout"; }
    }

    /** The connection failed or broke (refused, reset, closed early). */
    record IoFailure(String message) implements FetchResult {
        public String metricTag() { return "io_error"; }
    }

    /** A 200 (or unexpected status) whose body is not a task: truncated, not JSON, an error object, too large. */
    record Malformed(String message) implements FetchResult {
        public String metricTag() { return "parse_error"; }
    }
}
