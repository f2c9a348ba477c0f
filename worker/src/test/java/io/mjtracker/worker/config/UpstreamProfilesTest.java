package io.mjtracker.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstream profiles from the environment, the properties file and a directory of profile files. */
class UpstreamProfilesTest {

    private static Map<String, String> kafkaOnly() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        return env;
    }

    private static Map<String, String> withDefault() {
        Map<String, String> env = kafkaOnly();
        env.put("MJ_API_BASE_URL", "https://api.example.com");
        env.put("MJ_API_KEY", "sk-default-key");
        return env;
    }

    private static UpstreamProfile profile(WorkerConfig config, String name) {
        return config.upstream(name).orElseThrow();
    }

    @Test
    void theSingleUpstreamVariablesAreTheProfileDefaultAlone() {
        WorkerConfig config = WorkerConfigLoader.load(withDefault());

        assertThat(config.upstreams()).extracting(UpstreamProfile::name).containsExactly("default");
        assertThat(profile(config, "default").metricsTag()).isEqualTo("default");
    }

    @Test
    void environmentProfilesHaveTheirOwnSettingsAndTheBuiltInDefaultsNotTheDefaultProfiles() {
        Map<String, String> env = withDefault();
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "50");
        env.put("MJ_API_BATCH", "off");
        env.put("MJ_UPSTREAM_SELF_HOSTED_BASE_URL", "http://mj.internal:8080");
        env.put("MJ_UPSTREAM_SELF_HOSTED_KEY", "raw-secret");
        env.put("MJ_UPSTREAM_SELF_HOSTED_AUTH_HEADER", "mj-api-secret");
        env.put("MJ_UPSTREAM_SELF_HOSTED_RATE_LIMIT_PER_SECOND", "2.5");
        env.put("MJ_UPSTREAM_SELF_HOSTED_BREAKER_OPEN_DURATION", "30s");

        WorkerConfig config = WorkerConfigLoader.load(env);

        UpstreamProfile selfHosted = profile(config, "self-hosted");
        assertThat(selfHosted.upstream().baseUrl().toString()).isEqualTo("http://mj.internal:8080");
        assertThat(selfHosted.upstream().apiKey().reveal()).isEqualTo("raw-secret");
        assertThat(selfHosted.upstream().bearerAuth()).isFalse();
        assertThat(selfHosted.resilience().ratePerSecond()).isEqualTo(2.5);
        assertThat(selfHosted.resilience().breakerOpenDuration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(selfHosted.upstream().batchMode()).as("not copied from the profile default").isEqualTo(BatchMode.AUTO);
        assertThat(profile(config, "default").resilience().ratePerSecond()).isEqualTo(50);
        assertThat(config.upstreams().getFirst().name()).isEqualTo("default");
    }

    @Test
    void aDirectoryOfProfileFilesTheFileAndTheEnvironmentLayerInThatOrder(@TempDir Path dir) throws Exception {
        Path profiles = Files.createDirectories(dir.resolve("upstreams"));
        Files.writeString(profiles.resolve("customer-17.properties"),
                "base-url=https://gateway.example.com\nkey=sk-customer-17\nrate-limit-per-second=3\nmetrics-tag=gateway\n");
        Files.writeString(profiles.resolve("customer-18.properties"),
                "base-url=https://gateway.example.com\nkey=sk-customer-18\nrate-limit-per-second=6\nmetrics-tag=gateway\n");
        Files.createDirectories(profiles.resolve("..data"));
        Path file = dir.resolve("tracker.properties");
        Files.writeString(file, "upstream.customer-17.rate-limit-per-second=4\nupstream.customer-18.rate-limit-per-second=7\nupstream.comet.base-url=https://api.cometapi.com\n"
                + "upstream.comet.key=sk-comet\n");
        Map<String, String> env = kafkaOnly();
        env.put("MJ_UPSTREAMS_DIR", profiles.toString());
        env.put("TRACKER_CONFIG_FILE", file.toString());
        env.put("MJ_UPSTREAM_CUSTOMER_17_RATE_LIMIT_PER_SECOND", "5");

        WorkerConfig config = WorkerConfigLoader.load(env);

        assertThat(config.upstreams()).extracting(UpstreamProfile::name)
                .as("no default: no MJ_API_BASE_URL and named profiles exist").containsExactly("comet", "customer-17", "customer-18");
        assertThat(profile(config, "customer-17").resilience().ratePerSecond()).as("the environment wins").isEqualTo(5);
        assertThat(profile(config, "customer-18").resilience().ratePerSecond()).as("the file wins over the directory").isEqualTo(7);
        assertThat(profile(config, "customer-18").upstream().apiKey().reveal()).isEqualTo("sk-customer-18");
        assertThat(profile(config, "customer-18").metricsTag()).isEqualTo("gateway");
        assertThat(profile(config, "comet").metricsTag()).isEqualTo("comet");
    }

    @Test
    void everyBadProfileValueIsNamedByProfileAndSettingAndNoKeyIsShown(@TempDir Path dir) throws Exception {
        Path profiles = Files.createDirectories(dir.resolve("upstreams"));
        Files.writeString(profiles.resolve("broken.properties"), "base-url=ftp://nowhere\nkye=sk-typo-secret\n");
        Files.writeString(profiles.resolve("notes.txt"), "sk-another-secret");
        Map<String, String> env = withDefault();
        env.put("MJ_UPSTREAMS_DIR", profiles.toString());
        env.put("MJ_UPSTREAM_COMET_BASE_URL", "https://api.cometapi.com");
        env.put("MJ_UPSTREAM_COMET_KEY", "sk-comet-\nsecret");
        env.put("MJ_UPSTREAM_COMET_RATE_LIMIT_PER_SECOND", "0");
        env.put("MJ_UPSTREAM_COMET_LIMIT", "sk-not-a-setting");
        env.put("MJ_UPSTREAM__LEADING_DASH_KEY", "sk-bad-name-secret");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(String.join("\n", e.problems()))
                    .contains("upstream 'broken': base-url must be an http:// or https:// URL")
                    .contains("'kye' is not a profile setting")
                    .contains("upstream 'broken': key or key-file is required")
                    .contains("'notes.txt', which is not a profile file")
                    .contains("upstream 'comet': key contains control characters")
                    .contains("upstream 'comet': rate-limit-per-second must be between")
                    .contains("MJ_UPSTREAM_COMET_LIMIT is not MJ_UPSTREAM_<PROFILE>_<SETTING>")
                    .contains("profile name '-leading-dash'")
                    .doesNotContain("secret");
        });
    }

    @Test
    void theDefaultKeyWithoutItsBaseUrlIsAMistakeWhereNamedProfilesExist() {
        Map<String, String> env = kafkaOnly();
        env.put("MJ_API_KEY", "sk-default-key");
        env.put("MJ_UPSTREAM_COMET_BASE_URL", "https://api.cometapi.com");
        env.put("MJ_UPSTREAM_COMET_KEY", "sk-comet");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).hasMessageContaining("MJ_API_KEY is set but MJ_API_BASE_URL is not");
    }

    @Test
    void moreThanSixtyFourMetricTagsAreRefusedWithTheWayOut() {
        Map<String, String> env = withDefault();
        for (int i = 0; i < 64; i++) {
            env.put("MJ_UPSTREAM_C" + i + "_BASE_URL", "https://gateway.example.com");
            env.put("MJ_UPSTREAM_C" + i + "_KEY", "sk-" + i);
        }
        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).hasMessageContaining("65 distinct upstream metric tags")
                .hasMessageContaining("metrics-tag");

        for (int i = 0; i < 64; i++) {
            env.put("MJ_UPSTREAM_C" + i + "_METRICS_TAG", "gateway");
        }
        assertThat(WorkerConfigLoader.load(env).upstreams()).hasSize(65);
    }
}
