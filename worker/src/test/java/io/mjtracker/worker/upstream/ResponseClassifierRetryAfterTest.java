package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.testkit.MutableClock;
import io.mjtracker.worker.config.Secret;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code Retry-After} as delta-seconds or an HTTP-date (RFC 9110), read against the injected clock. */
class ResponseClassifierRetryAfterTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00.250Z"));
    private final ResponseClassifier classifier = new ResponseClassifier(new TaskCodec(), new Secret("sk-test"), clock);

    private Duration retryAfter(String value) {
        HttpHeaders headers = HttpHeaders.of(Map.of("Retry-After", List.of(value)), (name, v) -> true);
        FetchResult result = classifier.classify(429, headers, "{}".getBytes(), false);
        assertThat(result).isInstanceOf(FetchResult.RateLimited.class);
        return ((FetchResult.RateLimited) result).retryAfter();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "7                             | PT7S",
        " 120                          | PT2M",
        "0                             | PT0S",
        "Mon, 23 Nov 2026 10:00:07 GMT | PT6.75S",
        "Mon, 23 Nov 2026 09:59:00 GMT | PT0S",
        "-3                            | ",
        "soon                          | "})
    void readsSecondsAndHttpDates(String header, String expected) {
        assertThat(retryAfter(header)).isEqualTo(expected == null ? null : Duration.parse(expected));
    }

    @Test
    void anHttpDateIsAnInstantSoTheWaitShrinksAsTheClockMoves() {
        clock.advance(Duration.ofSeconds(5));

        assertThat(retryAfter("Mon, 23 Nov 2026 10:00:07 GMT")).isEqualTo(Duration.ofMillis(1_750));
    }
}
