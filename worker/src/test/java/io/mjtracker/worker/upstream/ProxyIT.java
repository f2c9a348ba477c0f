package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.TestCertificates;
import io.mjtracker.worker.config.UpstreamSettings;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's HTTP client behind a real forward proxy: http through it, NO_PROXY around it, https
 * through a CONNECT tunnel to a server whose certificate only MJ_API_CA_FILE makes trusted (as behind
 * a TLS-inspecting proxy).
 */
class ProxyIT {

    @Test
    void httpUpstreamIsReachedThroughHttpProxy() throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
                ForwardProxy proxy = ForwardProxy.start()) {
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(1)));
            Map<String, String> env = env(simulator.baseUrl().toString());
            env.put("HTTP_PROXY", proxy.url());

            assertThat(fetch(env, id)).isInstanceOf(FetchResult.Found.class);
            assertThat(proxy.requestLines()).containsExactly("GET " + simulator.baseUrl() + "/mj/task/" + id + "/fetch HTTP/1.1");
        }
    }

    @Test
    void noProxyHostsAreReachedDirectly() throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
                ForwardProxy proxy = ForwardProxy.start()) {
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(1)));
            Map<String, String> env = env(simulator.baseUrl().toString());
            env.put("http_proxy", proxy.url());
            env.put("no_proxy", "localhost,127.0.0.1");

            assertThat(fetch(env, id)).isInstanceOf(FetchResult.Found.class);
            assertThat(proxy.requestLines()).isEmpty();
        }
    }

    @Test
    void httpsGoesThroughConnectTunnelAndTrustsTheCaFile(@TempDir Path dir) throws Exception {
        HttpsServer upstream = httpsUpstream(dir);
        try (ForwardProxy proxy = ForwardProxy.start()) {
            String target = "127.0.0.1:" + upstream.getAddress().getPort();
            Map<String, String> env = env("https://" + target);
            env.put("https_proxy", proxy.url());
            env.put("MJ_API_CA_FILE", dir.resolve("ca.pem").toString());

            // The stand-in API knows no task: a classified 404 proves the whole TLS exchange went through.
            assertThat(fetch(env, "1730621826053455")).isInstanceOf(FetchResult.NotFound.class);
            assertThat(proxy.requestLines()).containsExactly("CONNECT " + target + " HTTP/1.1");
        } finally {
            upstream.stop(0);
        }
    }

    @Test
    void withoutTheCaFileTheSameServerIsNotTrusted(@TempDir Path dir) throws Exception {
        HttpsServer upstream = httpsUpstream(dir);
        try (ForwardProxy proxy = ForwardProxy.start()) {
            Map<String, String> env = env("https://127.0.0.1:" + upstream.getAddress().getPort());
            env.put("HTTPS_PROXY", proxy.url());

            assertThat(fetch(env, "1730621826053455")).isInstanceOfSatisfying(FetchResult.IoFailure.class,
                    failure -> assertThat(failure.message()).contains("SSLHandshakeException"));
            assertThat(proxy.requestLines()).hasSize(1).allMatch(line -> line.startsWith("CONNECT "));
        } finally {
            upstream.stop(0);
        }
    }

    private static Map<String, String> env(String baseUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9");
        env.put("MJ_API_BASE_URL", baseUrl);
        env.put("MJ_API_KEY", "k");
        return env;
    }

    /** One fetch with the client exactly as the worker builds it from these variables. */
    private static FetchResult fetch(Map<String, String> env, String id) throws Exception {
        UpstreamSettings settings = WorkerConfigLoader.load(env).upstream("default").orElseThrow().upstream();
        try (HttpUpstreamClient client = new HttpUpstreamClient(settings,
                new ResponseClassifier(new TaskCodec(), settings.apiKey(), Clock.systemUTC()))) {
            return client.fetch(id).get(30, TimeUnit.SECONDS);
        }
    }

    /** An https stand-in API whose certificate is signed by a test CA (ca.pem) that nothing trusts by default. */
    private static HttpsServer httpsUpstream(Path dir) throws Exception {
        TestCertificates certificates = TestCertificates.create(dir);
        char[] password = TestCertificates.PASSWORD.toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.serverKeyStore())) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/mj/task/", exchange -> {
            try (exchange) {
                byte[] body = "{\"error\":{\"message\":\"task not found\"}}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }
}
