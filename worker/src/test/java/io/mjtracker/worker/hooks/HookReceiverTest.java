package io.mjtracker.worker.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.config.Secret;
import io.mjtracker.worker.metrics.HookMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The receiver as a proxy and an attacker see it: over real HTTP, with the hints it passes on. */
class HookReceiverTest {

    private static final String TOKEN = "s3cret-hook-token-0123456789";
    private static final String TASK = """
            {"id":"1733400000000123","action":"IMAGINE","status":"SUCCESS","progress":"100%","submitTime":1733400000000,\
            "imageUrl":"https://cdn.example/1.png","buttons":[{"customId":"MJ::JOB::upsample::1","label":"U1","type":2,"style":2}],\
            "properties":{"notifyHook":"https://tracker.example/hooks/comet/x"},"someNewField":{"a":1}}""";

    private final List<Hint> passedOn = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong nanos = new AtomicLong();
    private final HttpClient http = HttpClient.newHttpClient();
    private boolean sinkOpen = true;
    private HookReceiver receiver;

    private HookReceiver receiver(double ratePerSource) {
        receiver = HookReceiver.start(0, new HookTokens(Map.of("comet", new Secret(TOKEN))), ratePerSource, 4096, new TaskCodec(),
                hint -> sinkOpen && passedOn.add(hint), new HookMetrics(registry, Map.of("comet", "comet")),
                Clock.fixed(Instant.parse("2026-12-05T10:00:00Z"), ZoneOffset.UTC), nanos::get);
        return receiver;
    }

    @AfterEach
    void close() {
        if (receiver != null) {
            receiver.close();
        }
        http.close();
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.port() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private double received(String upstream, String result) {
        return registry.get("mjtracker.hooks.received").tags("upstream", upstream, "result", result).counter().count();
    }

    @Test
    void anAcceptedHookBecomesAHintOfItsTasksIdStatusAndProgress() throws Exception {
        receiver(100);

        HttpResponse<String> response = post("/hooks/comet/" + TOKEN, TASK);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(passedOn).containsExactly(new Hint("comet", "1733400000000123", "SUCCESS", "100%",
                Instant.parse("2026-12-05T10:00:00Z").toEpochMilli()));
        assertThat(received("comet", HookMetrics.ACCEPTED)).isEqualTo(1);
    }

    @Test
    void anUnknownProfileAndAWrongTokenGetTheSameAnswer() throws Exception {
        receiver(100);

        HttpResponse<String> unknownProfile = post("/hooks/other/" + TOKEN, TASK);
        HttpResponse<String> wrongToken = post("/hooks/comet/" + TOKEN.substring(1) + "x", TASK);
        HttpResponse<String> noToken = post("/hooks/comet", TASK);

        for (HttpResponse<String> response : List.of(unknownProfile, wrongToken, noToken)) {
            assertThat(response.statusCode()).isEqualTo(404);
            assertThat(response.body()).isEqualTo(unknownProfile.body());
        }
        assertThat(passedOn).isEmpty();
        assertThat(received("-", HookMetrics.REJECTED)).isEqualTo(3);
    }

    @Test
    void badCallsAreAnsweredForWhatTheyAre() throws Exception {
        receiver(100);
        String url = "http://127.0.0.1:" + receiver.port() + "/hooks/comet/" + TOKEN;

        assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode()).as("GET").isEqualTo(405);
        assertThat(post("/hooks/comet/" + TOKEN, "<html><body>hello</body></html>").statusCode()).as("HTML").isEqualTo(400);
        assertThat(post("/hooks/comet/" + TOKEN, "{\"status\":\"SUCCESS\"}").statusCode()).as("no id").isEqualTo(400);
        assertThat(post("/hooks/comet/" + TOKEN, "{\"id\":\"1\",\"prompt\":\"" + "x".repeat(5000) + "\"}").statusCode())
                .as("over the body limit").isEqualTo(413);
        sinkOpen = false;
        assertThat(post("/hooks/comet/" + TOKEN, TASK).statusCode()).as("hints cannot be passed on").isEqualTo(503);

        assertThat(passedOn).isEmpty();
        assertThat(received("comet", HookMetrics.MALFORMED)).isEqualTo(2);
        assertThat(received("comet", HookMetrics.TOO_LARGE)).isEqualTo(1);
        assertThat(received("comet", HookMetrics.UNAVAILABLE)).isEqualTo(1);
    }

    @Test
    void oneSourceGetsItsRateAndABurstOfTwiceIt() throws Exception {
        receiver(2);

        List<Integer> statuses = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(post("/hooks/comet/" + TOKEN, TASK).statusCode());
        }
        nanos.addAndGet(1_000_000_000L);
        statuses.add(post("/hooks/comet/" + TOKEN, TASK).statusCode());

        assertThat(statuses).containsExactly(202, 202, 202, 202, 429, 429, 202);
        assertThat(received("comet", HookMetrics.RATE_LIMITED)).isEqualTo(2);
    }

    @Test
    void theTokenAppearsInNoLogLineEvenAtDebug() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("io.mjtracker.worker.hooks");
        Level before = logger.getLevel();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
        logger.setLevel(Level.DEBUG);
        try {
            receiver(100);
            post("/hooks/comet/" + TOKEN, TASK);
            post("/hooks/comet/" + TOKEN + "x", TASK);
            post("/hooks/comet/" + TOKEN, "not json");
            sinkOpen = false;
            post("/hooks/comet/" + TOKEN, TASK);
        } finally {
            root.detachAppender(appender);
            logger.setLevel(before);
        }
        assertThat(appender.list).as("the accepted hook is logged at DEBUG").isNotEmpty();
        assertThat(appender.list).allSatisfy(event -> assertThat(event.getFormattedMessage() + event.getKeyValuePairs())
                .doesNotContain(TOKEN));
    }
}
