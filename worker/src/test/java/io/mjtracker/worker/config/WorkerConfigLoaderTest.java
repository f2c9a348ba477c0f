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

class WorkerConfigLoaderTest {

    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("MJ_API_BASE_URL", "https://api.example.com/");
        env.put("MJ_API_KEY", "sk-secret-123");
        return env;
    }

    @Test
    void defaultsMatchTheDocumentedOnes() {
        WorkerConfig config = WorkerConfigLoader.load(minimal());

        assertThat(config.kafka().groupId()).isEqualTo("mj-tracker");
        assertThat(config.kafka().topics()).isEqualTo(new TopicNames("mj.tasks", "mj.tasks.status", "mj.tasks.completed", "mj.tasks.dlq"));
        assertThat(config.upstream("default").orElseThrow().resilience().ratePerSecond()).isEqualTo(10.0);
        int cap = WorkerConfigLoader.defaultMaxInFlight(Runtime.getRuntime().maxMemory());
        assertThat(config.tracking().maxInFlight()).isEqualTo(cap);
        assertThat(config.tracking().resumeInFlight()).isEqualTo(cap * 9 / 10);
        assertThat(config.tracking().maxTrackDuration()).isEqualTo(Duration.ofHours(1));
        assertThat(config.tracking().notFoundGrace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.metricsPort()).isEqualTo(9464);
        assertThat(config.upstream("default").orElseThrow().upstream().baseUrl().toString()).isEqualTo("https://api.example.com");
        assertThat(config.upstream("default").orElseThrow().upstream().bearerAuth()).isTrue();
    }

    @Test
    void everyBadValueIsReportedByNameAtOnce() {
        Map<String, String> env = minimal();
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "fast");
        env.put("TRACKER_MAX_IN_FLIGHT", "0");
        env.put("TRACKER_MAX_TRACK_DURATION", "forever");
        env.put("MJ_API_BASE_URL", "ftp://example.com");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(4))
                .hasMessageContaining("TRACKER_RATE_LIMIT_PER_SECOND")
                .hasMessageContaining("TRACKER_MAX_IN_FLIGHT")
                .hasMessageContaining("TRACKER_MAX_TRACK_DURATION")
                .hasMessageContaining("MJ_API_BASE_URL");
    }

    @Test
    void missingRequiredSettingsAreNamed() {
        assertThatThrownBy(() -> WorkerConfigLoader.load(Map.of()))
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS")
                .hasMessageContaining("MJ_API_BASE_URL")
                .hasMessageContaining("MJ_API_KEY");
    }

    @Test
    void keyFileWinsAndTheKeyNeverPrints(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key");
        Files.writeString(file, "sk-from-file\n");
        Map<String, String> env = minimal();
        env.put("MJ_API_KEY_FILE", file.toString());

        WorkerConfig config = WorkerConfigLoader.load(env);

        assertThat(config.upstream("default").orElseThrow().upstream().apiKey().reveal()).isEqualTo("sk-from-file");
        assertThat(config.toString()).doesNotContain("sk-from-file", "sk-secret-123");
    }

    @Test
    void badValuesNeverEchoTheKey() {
        Map<String, String> env = minimal();
        env.put("MJ_API_KEY", "sk-sec\u0001ret");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .hasMessageContaining("MJ_API_KEY")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-sec"));
    }

    @Test
    void kafkaVariablesPassThroughOnlyWhenTheyAreClientSettings() {
        Map<String, String> env = minimal();
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        env.put("KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("KAFKA_PORT", "tcp://10.0.0.1:9092"); // injected by Kubernetes for a service named kafka

        var overrides = WorkerConfigLoader.load(env).kafka().clientOverrides();

        assertThat(overrides).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .doesNotContainKey("port");
    }

    @Test
    void propertiesFileIsReadAndTheEnvironmentWins(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tracker.properties");
        Files.writeString(file, "TRACKER_GROUP_ID=from-file\nTRACKER_MAX_IN_FLIGHT=50\nkafka.client.rack=rack-1\n");
        Map<String, String> env = minimal();
        env.put("TRACKER_CONFIG_FILE", file.toString());
        env.put("TRACKER_MAX_IN_FLIGHT", "70");

        WorkerConfig config = WorkerConfigLoader.load(env);

        assertThat(config.kafka().groupId()).isEqualTo("from-file");
        assertThat(config.tracking().maxInFlight()).isEqualTo(70);
        assertThat(config.kafka().clientOverrides()).containsEntry("client.rack", "rack-1");
    }

    @Test
    void customAuthHeaderSendsTheRawKey() {
        Map<String, String> env = minimal();
        env.put("MJ_API_AUTH_HEADER", "mj-api-secret");

        assertThat(WorkerConfigLoader.load(env).upstream("default").orElseThrow().upstream().bearerAuth()).isFalse();
    }

    @Test
    void settingsTheDeliveryGuaranteeRestsOnCannotBeOverridden(@TempDir Path dir) throws Exception {
        Map<String, String> env = minimal();
        env.put("KAFKA_ENABLE_AUTO_COMMIT", "true");
        env.put("KAFKA_ISOLATION_LEVEL", "read_uncommitted");
        Path file = dir.resolve("tracker.properties");
        Files.writeString(file, "kafka.transactional.id=mine\n");
        env.put("TRACKER_CONFIG_FILE", file.toString());

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .hasMessageContaining("KAFKA_ENABLE_AUTO_COMMIT")
                .hasMessageContaining("KAFKA_ISOLATION_LEVEL")
                .hasMessageContaining("kafka.transactional.id");
    }

    @Test
    void aKeyAnHttpHeaderCannotCarryIsRefusedWithoutShowingIt() {
        Map<String, String> env = minimal();
        env.put("MJ_API_KEY", "sk-geheïm-中文");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .hasMessageContaining("MJ_API_KEY").hasMessageContaining("Latin-1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-gehe"));
    }

    @Test
    void aHeaderTheHttpClientSetsItselfIsRefused() {
        Map<String, String> env = minimal();
        env.put("MJ_API_AUTH_HEADER", "Host");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).hasMessageContaining("MJ_API_AUTH_HEADER");
    }

    @Test
    void aCapOfOneResumesOnceNothingIsOpen() {
        Map<String, String> env = minimal();
        env.put("TRACKER_MAX_IN_FLIGHT", "1");

        assertThat(WorkerConfigLoader.load(env).tracking().resumeInFlight()).isEqualTo(1);
    }

    @Test
    void theAssignorAndGroupProtocolTheBudgetsSharesRestOnCannotBeOverridden() {
        Map<String, String> env = minimal();
        env.put("KAFKA_PARTITION_ASSIGNMENT_STRATEGY", "org.apache.kafka.clients.consumer.RangeAssignor");
        env.put("KAFKA_GROUP_PROTOCOL", "consumer");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .hasMessageContaining("KAFKA_PARTITION_ASSIGNMENT_STRATEGY")
                .hasMessageContaining("KAFKA_GROUP_PROTOCOL");
    }

    @Test
    void aPollSizeThatWouldKeepEveryPartitionPausedIsRefused() {
        Map<String, String> env = minimal();
        env.put("KAFKA_MAX_POLL_RECORDS", "16384");
        assertThatThrownBy(() -> WorkerConfigLoader.load(env)).hasMessageContaining("KAFKA_MAX_POLL_RECORDS").hasMessageContaining("4096");

        env.put("KAFKA_MAX_POLL_RECORDS", "2000");
        assertThat(WorkerConfigLoader.load(env).kafka().clientOverrides()).containsEntry("max.poll.records", "2000");
    }

    @Test
    void aFileKeyThatIsNoKafkaClientSettingIsATypoAndNamed(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tracker.properties");
        Files.writeString(file, "kafka.client.rack=rack-1\nkafka.securty.protocol=SASL_SSL\n");
        Map<String, String> env = minimal();
        env.put("TRACKER_CONFIG_FILE", file.toString());

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(1))
                .hasMessageContaining("kafka.securty.protocol");
    }

    @Test
    void logSettingsComeFromTheFileAsFromTheEnvironment(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tracker.properties");
        Files.writeString(file, "LOG_FORMAT=json\nLOG_LEVEL=warn\nLOG_LEVELS=io.mjtracker.worker.tracking=DEBUG, org.apache.kafka=INFO\n");
        Map<String, String> env = minimal();
        env.put("TRACKER_CONFIG_FILE", file.toString());

        LogSettings logging = WorkerConfigLoader.load(env).logging();

        assertThat(logging.json()).isTrue();
        assertThat(logging.level()).isEqualTo(LogSettings.LogLevel.WARN);
        assertThat(logging.loggers()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "io.mjtracker.worker.tracking", LogSettings.LogLevel.DEBUG, "org.apache.kafka", LogSettings.LogLevel.INFO));
        assertThat(WorkerConfigLoader.load(minimal()).logging())
                .as("by default: text, INFO, the Kafka clients at WARN")
                .isEqualTo(new LogSettings(false, LogSettings.LogLevel.INFO, Map.of("org.apache.kafka", LogSettings.LogLevel.WARN)));
    }

    @Test
    void badLogSettingsAreNamed() {
        Map<String, String> env = minimal();
        env.put("LOG_FORMAT", "xml");
        env.put("LOG_LEVEL", "verbose");
        env.put("LOG_LEVELS", "io.mjtracker=DEBUG,org.apache.kafka");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3))
                .hasMessageContaining("LOG_FORMAT must be text or json, not 'xml'")
                .hasMessageContaining("LOG_LEVEL must be one of [TRACE, DEBUG, INFO, WARN, ERROR, OFF], not 'verbose'")
                .hasMessageContaining("LOG_LEVELS must be name=LEVEL pairs separated by commas");
    }

    @Test
    void theDefaultCapIsWhatTheHeapCarriesWithHalfToSpare() {
        long mib = 1024L * 1024;
        assertThat(WorkerConfigLoader.defaultMaxInFlight(384 * mib)).as("the manifests' 512Mi limit, 75% heap").isEqualTo(147_456);
        assertThat(WorkerConfigLoader.defaultMaxInFlight(128 * mib)).as("a small heap").isEqualTo(16_384);
        assertThat(WorkerConfigLoader.defaultMaxInFlight(64 * mib)).as("no less than").isEqualTo(1_000);
        assertThat(WorkerConfigLoader.defaultMaxInFlight(64 * 1024 * mib)).as("no more than").isEqualTo(1_000_000);
    }

    @Test
    void hooksAreOffUnlessAProfileHasAToken() {
        WorkerConfig config = WorkerConfigLoader.load(minimal());

        assertThat(config.hooksEnabled()).isFalse();
        assertThat(config.hooks()).isEqualTo(new HookSettings(9480, "mj.tasks.hints", 1000, Duration.ofSeconds(60)));
    }

    @Test
    void aHookTokenComesFromItsFileFirstAndABadOneIsRefusedWithoutShowingIt(@TempDir Path dir) throws Exception {
        Map<String, String> env = minimal();
        env.put("MJ_API_HOOK_TOKEN", "short-token");
        env.put("MJ_UPSTREAM_SELF_HOSTED_BASE_URL", "http://proxy:8080/");
        env.put("MJ_UPSTREAM_SELF_HOSTED_KEY", "k");
        Path file = Files.writeString(dir.resolve("token"), "file-token-0123456789abcdef\n");
        env.put("MJ_UPSTREAM_SELF_HOSTED_HOOK_TOKEN_FILE", file.toString());
        env.put("MJ_UPSTREAM_SELF_HOSTED_HOOK_TOKEN", "ignored-token-0123456789");
        env.put("TRACKER_HINTS_TOPIC", "mj.tasks.status");

        assertThatThrownBy(() -> WorkerConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2))
                .hasMessageContaining("MJ_API_HOOK_TOKEN must be 16 to 128")
                .hasMessageContaining("TRACKER_HINTS_TOPIC must differ")
                .message().doesNotContain("short-token");

        env.put("MJ_API_HOOK_TOKEN", "default-token-0123456789");
        env.remove("TRACKER_HINTS_TOPIC");
        WorkerConfig config = WorkerConfigLoader.load(env);
        assertThat(config.hooksEnabled()).isTrue();
        assertThat(config.upstream("default").orElseThrow().hookToken().reveal()).isEqualTo("default-token-0123456789");
        assertThat(config.upstream("self-hosted").orElseThrow().hookToken().reveal()).isEqualTo("file-token-0123456789abcdef");
        assertThat(config.upstream("self-hosted").orElseThrow().toString()).doesNotContain("file-token");
    }
}
