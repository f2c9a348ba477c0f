package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.config.Secret;
import io.mjtracker.worker.config.UpstreamSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A proxy that sends its headers and then stalls the body must not hold a task forever: the request
 * timeout bounds the whole exchange (on JDK 25 the client's own timeout stops at the headers).
 */
class StalledBodyTest {

    @Test
    void aBodyThatStallsAfterItsHeadersTimesOutWithinTheRequestTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = server.accept()) {
                    socket.getInputStream().read(new byte[4096]);
                    OutputStream out = socket.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\":"
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    release.await(30, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // the client gave up and closed the connection: what the test wants
                }
            });
            UpstreamSettings settings = new UpstreamSettings(URI.create("http://127.0.0.1:" + server.getLocalPort()),
                    new Secret("sk-test"), "Authorization", Duration.ofMillis(500), Duration.ofSeconds(2), 1 << 20);
            try (HttpUpstreamClient client = new HttpUpstreamClient(settings,
                    new ResponseClassifier(new TaskCodec(), settings.apiKey(), Clock.systemUTC()))) {
                long start = System.nanoTime();
                FetchResult result = client.fetch("42").get(10, TimeUnit.SECONDS);
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

                assertThat(result).isInstanceOf(FetchResult.Timeout.class);
                assertThat(elapsedMillis).as("bounded by the 500 ms request timeout, not by the stalled body").isLessThan(5_000);
            } finally {
                release.countDown();
            }
        }
    }
}
