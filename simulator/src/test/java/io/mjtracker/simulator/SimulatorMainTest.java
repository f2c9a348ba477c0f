package io.mjtracker.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Several providers served at once from one command line. */
class SimulatorMainTest {

    private static int status(URI uri, String header, String value, String method) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header(header, value);
        request = method.equals("POST") ? request.POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"1\"]}")) : request.GET();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void sectionsSeparatedByAndAreProvidersWithTheirOwnKeysAndRoutes() throws Exception {
        List<UpstreamSimulator> providers = SimulatorMain.startAll(new String[] {
            "--port", "0", "--api-key", "sk-reseller", "--and",
            "--port", "0", "--api-key", "self-secret", "--auth-header", "mj-api-secret", "--no-batch", "--refresh", "2s",
            "--dialect", "apidoc"});
        try {
            assertThat(providers).hasSize(2);
            URI reseller = providers.get(0).baseUrl();
            URI selfHosted = providers.get(1).baseUrl();
            assertThat(status(reseller.resolve("/mj/task/1/fetch"), "Authorization", "Bearer sk-reseller", "GET")).isEqualTo(404);
            assertThat(status(reseller.resolve("/mj/task/1/fetch"), "mj-api-secret", "self-secret", "GET")).isEqualTo(401);
            assertThat(status(selfHosted.resolve("/mj/task/1/fetch"), "mj-api-secret", "self-secret", "GET")).isEqualTo(404);
            assertThat(status(reseller.resolve("/mj/task/list-by-condition"), "Authorization", "Bearer sk-reseller", "POST")).isEqualTo(200);
            assertThat(status(selfHosted.resolve("/mj/task/list-by-condition"), "mj-api-secret", "self-secret", "POST"))
                    .as("no batch route").isEqualTo(404);
        } finally {
            providers.forEach(UpstreamSimulator::close);
        }
    }

    @Test
    void aBadSectionStartsNothing() {
        assertThat(SimulatorMain.startAll(new String[] {"--port", "0", "--and", "--dialect", "klingon"})).isNull();
    }
}
