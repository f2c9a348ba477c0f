package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.config.Secret;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ResponseClassifierTest {

    private static final String ERROR_PAGE = "<!DOCTYPE html><html><body>502 Bad Gateway - cloudflare</body></html>";
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
    private final ResponseClassifier classifier = new ResponseClassifier(new TaskCodec(), new Secret("sk-key"), clock);

    private FetchResult classify(int status, String body, Map<String, List<String>> headers) {
        return classifier.classify(status, HttpHeaders.of(headers, (name, value) -> true),
                body.getBytes(StandardCharsets.UTF_8), false);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503, 504, 520, 522, 524})
    void anErrorPageOfALoadBalancerIsAnOutageNotAMisconfiguration(int status) {
        assertThat(classify(status, ERROR_PAGE, Map.of())).isInstanceOf(FetchResult.ServerError.class);
    }

    @Test
    void anHtmlRateLimitPageKeepsItsRetryAfter() {
        assertThat(classify(429, ERROR_PAGE, Map.of("Retry-After", List.of("7"))))
                .isEqualTo(new FetchResult.RateLimited(Duration.ofSeconds(7)));
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 404})
    void htmlWhereTheApiAnswersSuggestsAWrongBaseUrl(int status) {
        assertThat(classify(status, "<html>a website</html>", Map.of())).isInstanceOf(FetchResult.Misconfigured.class);
    }

    @Test
    void aRetryAfterTooLargeForADurationIsCappedNotOverflowed() {
        assertThat(classify(429, "", Map.of("Retry-After", List.of("99999999999999999999"))))
                .isEqualTo(new FetchResult.RateLimited(Duration.ofDays(1)));
        assertThat(classify(429, "", Map.of("Retry-After", List.of("86400000"))))
                .isEqualTo(new FetchResult.RateLimited(Duration.ofDays(1)));
    }

    @Test
    void aRetryAfterDateIsReadAgainstTheClock() {
        assertThat(classify(429, "", Map.of("Retry-After", List.of("Mon, 23 Nov 2026 10:00:30 GMT"))))
                .isEqualTo(new FetchResult.RateLimited(Duration.ofSeconds(30)));
    }
}
