package io.mjtracker.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings operators add around the worker: log format, egress proxies, extra CA certificates. */
class OperationsSettingsTest {

    /** The three required settings; everything else at its default. */
    private static Map<String, String> minimal() {
        return new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092", "MJ_API_BASE_URL", "https://api.example.com",
                "MJ_API_KEY", "sk-secret-123"));
    }

    @Test
    void logFormatIsTextOrJson() {
        Map<String, String> env = minimal();
        env.put("LOG_FORMAT", "json");
        WorkerConfigLoader.load(env);
        env.put("LOG_FORMAT", "xml");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).hasMessageContaining("LOG_FORMAT must be text or json, not 'xml'");
    }

    @Test
    void proxiesAreReadUpperCaseFirstAndCredentialsAreRefusedUnshown(@TempDir Path dir) throws Exception {
        Map<String, String> env = minimal();
        env.put("https_proxy", "http://lower:1");
        env.put("HTTPS_PROXY", "proxy.corp.example:3128");
        env.put("no_proxy", "localhost, .corp.example");

        var egress = WorkerConfigLoader.load(env).upstream("default").orElseThrow().upstream().egress();

        assertThat(egress.httpsProxy()).hasValueSatisfying(proxy -> assertThat(proxy.getHostString() + ":" + proxy.getPort())
                .isEqualTo("proxy.corp.example:3128"));
        assertThat(egress.httpProxy()).isEmpty();
        assertThat(egress.noProxy()).containsExactly("localhost", ".corp.example");

        env.put("HTTP_PROXY", "http://user:hunter2@proxy:3128");
        env.put("HTTPS_PROXY", "socks5://proxy:1080");
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate");
        env.put("MJ_API_CA_FILE", notPem.toString());
        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3))
                .hasMessageContaining("HTTP_PROXY carries credentials")
                .hasMessageContaining("HTTPS_PROXY must be a proxy like http://")
                .hasMessageContaining("MJ_API_CA_FILE")
                .hasMessageNotContaining("hunter2");
    }
}
