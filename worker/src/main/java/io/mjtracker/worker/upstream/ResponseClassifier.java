package io.mjtracker.worker.upstream;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.common.task.TaskParseException;
import io.mjtracker.worker.config.Secret;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Turns one HTTP answer into a {@link FetchResult}. Providers signal "no such task" in five ways and
 * wrong configuration in several more; all of that knowledge lives here. Messages taken from bodies
 * are shortened and scrubbed of the API key, because some gateways echo the key they rejected.
 */
public final class ResponseClassifier {

    private static final int MESSAGE_LIMIT = 200;
    /** A longer Retry-After is read as this; the guard caps its pause far lower anyway. */
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(1);

    private final TaskCodec codec;
    private final Secret apiKey;
    private final Clock clock;

    public ResponseClassifier(TaskCodec codec, Secret apiKey, Clock clock) {
        this.codec = codec;
        this.apiKey = apiKey;
        this.clock = clock;
    }

    /**
     * Classifies a complete answer.
     *
     * @param body the body read, at most the configured limit
     * @param bodyTruncated true where the body was larger than the limit and reading stopped
     */
    public FetchResult classify(int status, HttpHeaders headers, byte[] body, boolean bodyTruncated) {
        if (bodyTruncated) {
            return new FetchResult.Malformed("HTTP " + status + " body larger than " + body.length + " bytes; not read");
        }
        if (status >= 300 && status < 400) {
            String target = headers.firstValue("Location").map(ResponseClassifier::hostOf).orElse("nowhere");
            return new FetchResult.Misconfigured("HTTP " + status + " redirect to " + target
                    + " (not followed): check MJ_API_BASE_URL, e.g. http vs https or a missing path prefix");
        }
        // Status first: a load balancer's or CDN's 502/503/504 page (Cloudflare's 52x, its HTML 429) is an
        // outage or a rate limit, not a misconfiguration. Only HTML where the API answers normally (2xx)
        // or says "no such path" (404) suggests that the base URL points at a website.
        boolean html = looksLikeHtml(body);
        if (html && (status / 100 == 2 || status == 404)) {
            return new FetchResult.Misconfigured("HTTP " + status + " answered with an HTML page where JSON was expected: "
                    + "MJ_API_BASE_URL probably points at a website, not the API");
        }
        if (html && status == 400) {
            return new FetchResult.Malformed("HTTP 400 with an HTML page");
        }
        return switch (status) {
            case 200 -> classifyOk(body);
            case 204 -> new FetchResult.NotFound("HTTP 204 no content");
            case 404 -> new FetchResult.NotFound("HTTP 404" + errorSuffix(body));
            case 401, 403 -> new FetchResult.Unauthorized(status, "HTTP " + status + errorSuffix(body));
            case 429 -> new FetchResult.RateLimited(retryAfter(headers).orElse(null));
            case 400 -> isTaskNoFound(body)
                    ? new FetchResult.NotFound("HTTP 400 task_no_found")
                    : new FetchResult.Malformed("HTTP 400" + errorSuffix(body));
            default -> status == 408 || status >= 500
                    ? new FetchResult.ServerError(status, "HTTP " + status + errorSuffix(body))
                    : new FetchResult.Malformed("unexpected HTTP " + status + errorSuffix(body));
        };
    }

    /**
     * Classifies the answer to a {@code list-by-condition} request. A route the upstream does not have
     * shows as 404, 405, 501, a 400 (the body was not understood), an HTML page (a gateway's web UI
     * answers unknown paths with 200) or JSON that is not a list; any other failure is the single fetch's.
     *
     * @param asked the ids the request asked for: tasks outside them are not kept
     */
    public BatchResult classifyBatch(int status, HttpHeaders headers, byte[] body, boolean bodyTruncated, Set<String> asked) {
        if (bodyTruncated) {
            return new BatchResult.Failed(new FetchResult.Malformed(
                    "HTTP " + status + " batch answer larger than " + body.length + " bytes; not read"));
        }
        boolean html = looksLikeHtml(body);
        if (status == 404 || status == 405 || status == 501 || status == 400 || html && status / 100 == 2) {
            return new BatchResult.Unsupported("HTTP " + status + (html ? " with an HTML page" : errorSuffix(body)));
        }
        if (status != 200) {
            return new BatchResult.Failed(classify(status, headers, body, false));
        }
        try {
            // Elements are read one at a time and only the tasks asked are kept: a proxy that ignores the ids
            // and answers every task of the key must not fill the heap with tasks nobody tracks here.
            Map<String, FetchResult> byId = new HashMap<>();
            OptionalInt elements = codec.forEachInList(body, element -> codec.taskInList(element)
                    .filter(task -> asked.contains(task.id()))
                    .ifPresent(task -> byId.put(task.id(), new FetchResult.Found(task))));
            if (elements.isEmpty()) {
                return new BatchResult.Unsupported("HTTP 200 with JSON that is not a list" + errorSuffix(body));
            }
            return new BatchResult.Answered(byId, elements.getAsInt());
        } catch (TaskParseException e) {
            return new BatchResult.Failed(new FetchResult.Malformed("HTTP 200 batch answer is not a list (" + e.reason() + ")"));
        }
    }

    private FetchResult classifyOk(byte[] body) {
        String trimmed = new String(body, StandardCharsets.UTF_8).strip();
        if (trimmed.isEmpty() || trimmed.equals("null")) {
            return new FetchResult.NotFound("HTTP 200 with " + (trimmed.isEmpty() ? "an empty body" : "null"));
        }
        try {
            return new FetchResult.Found(codec.parse(body));
        } catch (TaskParseException e) {
            if (isTaskNoFound(body)) {
                return new FetchResult.NotFound("task_no_found");
            }
            return new FetchResult.Malformed("HTTP 200 body is not a task (" + e.reason() + ")" + errorSuffix(body));
        }
    }

    private boolean isTaskNoFound(byte[] body) {
        return codec.parseError(body)
                .map(error -> error.message().toLowerCase(Locale.ROOT).contains("task_no_found")
                        || error.message().toLowerCase(Locale.ROOT).contains("task_not_found"))
                .orElse(false);
    }

    private String errorSuffix(byte[] body) {
        return codec.parseError(body).map(error -> ": " + scrub(error.message())).orElse("");
    }

    private String scrub(String message) {
        String safe = apiKey.occursIn(message) ? message.replace(apiKey.reveal(), "***") : message;
        return safe.length() > MESSAGE_LIMIT ? safe.substring(0, MESSAGE_LIMIT) + "..." : safe;
    }

    private Optional<Duration> retryAfter(HttpHeaders headers) {
        return headers.firstValue("Retry-After").flatMap(value -> {
            String text = value.strip();
            if (text.matches("\\d{1,30}")) {
                // Digits only: seconds, however many (a huge value must not overflow into a negative pause).
                return Optional.of(text.length() > 9 ? LONGEST_RETRY_AFTER : atMost(Duration.ofSeconds(Long.parseLong(text))));
            }
            try {
                ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration wait = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(wait.isNegative() ? Duration.ZERO : atMost(wait));
            } catch (DateTimeParseException | ArithmeticException notADate) {
                return Optional.empty();
            }
        });
    }

    private static Duration atMost(Duration wait) {
        return wait.compareTo(LONGEST_RETRY_AFTER) > 0 ? LONGEST_RETRY_AFTER : wait;
    }

    private static boolean looksLikeHtml(byte[] body) {
        for (byte b : body) {
            if (!Character.isWhitespace(b)) {
                return b == '<';
            }
        }
        return false;
    }

    private static String hostOf(String location) {
        try {
            URI uri = URI.create(location.strip());
            return uri.getHost() == null ? "a relative path" : uri.getScheme() + "://" + uri.getHost();
        } catch (IllegalArgumentException e) {
            return "an invalid location";
        }
    }
}
