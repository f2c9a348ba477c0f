package io.mjtracker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A spent quota answers 429 with the Retry-After the tests rely on, and the request records show it. */
class SpentQuotaTest {

    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00.400Z");

    private final UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults()
            .withClock(Clock.fixed(NOW, ZoneOffset.UTC)));
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        http.close();
        simulator.close();
    }

    private HttpResponse<String> fetch() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/mj/task/t1/fetch")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void retryAfterNamesTheEndOfTheQuotaAsSecondsOrAsAnHttpDateOrNotAtAll() throws Exception {
        Instant until = simulator.exhaustQuotaUntil(NOW.plus(Duration.ofMillis(5_300)), UpstreamSimulator.RetryAfterFormat.SECONDS);
        assertThat(until).as("whole seconds, as an HTTP-date can say").isEqualTo(Instant.parse("2026-11-23T10:00:05Z"));
        HttpResponse<String> seconds = fetch();
        simulator.exhaustQuotaUntil(until, UpstreamSimulator.RetryAfterFormat.HTTP_DATE);
        HttpResponse<String> date = fetch();
        simulator.exhaustQuotaUntil(until, UpstreamSimulator.RetryAfterFormat.NONE);
        HttpResponse<String> none = fetch();

        assertThat(seconds.statusCode()).isEqualTo(429);
        assertThat(seconds.headers().firstValue("Retry-After")).as("4.6 s, rounded up").hasValue("5");
        assertThat(date.statusCode()).isEqualTo(429);
        assertThat(date.headers().firstValue("Retry-After")).hasValue("Mon, 23 Nov 2026 10:00:05 GMT");
        assertThat(none.statusCode()).isEqualTo(429);
        assertThat(none.headers().firstValue("Retry-After")).isEmpty();
        assertThat(simulator.stats().faultsServed("quota")).isEqualTo(3);
    }

    @Test
    void aQuotaThatEndedOrWasRestoredServesAgainAndTheRecordsShowEachAnswer() throws Exception {
        simulator.exhaustQuotaUntil(NOW.minusSeconds(1), UpstreamSimulator.RetryAfterFormat.SECONDS);
        int ended = fetch().statusCode();
        simulator.exhaustQuotaUntil(NOW.plusSeconds(60), UpstreamSimulator.RetryAfterFormat.SECONDS);
        int spent = fetch().statusCode();
        simulator.restoreQuota();
        int restored = fetch().statusCode();

        assertThat(ended).isEqualTo(200);
        assertThat(spent).isEqualTo(429);
        assertThat(restored).isEqualTo(200);
        assertThat(simulator.stats().requests()).extracting(SimulatorStats.Request::status).containsExactly(200, 429, 200);
        assertThat(simulator.stats().requests()).isSortedAccordingTo(
                java.util.Comparator.comparingLong(SimulatorStats.Request::arrivalNanos));
    }
}
