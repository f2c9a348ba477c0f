package io.mjtracker.worker.config;

import io.mjtracker.worker.config.LogSettings.LogLevel;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Reads and validates the configuration from the environment and an optional properties file. */
public final class WorkerConfigLoader {

    /** What a hook token may hold: it is a path segment of the URL users give their upstream, long enough not to be guessed. */
    private static final Pattern HOOK_TOKEN = Pattern.compile("[A-Za-z0-9_-]{16,128}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    private static final String FILE_KAFKA_PREFIX = "kafka.";
    /** Profiles a deployment may hold: hundreds of customer keys, not an unbounded number of HTTP clients. */
    static final int MAX_PROFILES = 1000;
    /** Distinct {@code upstream} metric tags: each adds a few dozen series per worker. */
    static final int MAX_METRICS_TAGS = 64;
    /** Header names the JDK HTTP client refuses to set; sending the key in one of them fails every request. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade");
    /**
     * Client settings the delivery guarantee rests on (docs/progress.md): offsets only in the result
     * transaction, read_committed input, idempotent acks=all producers, the worker's own transactional id
     * and group. Overriding any of them would break exactly-once silently, so it is refused at start.
     */
    static final Set<String> GUARDED_KAFKA_SETTINGS = Set.of(
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, ProducerConfig.ACKS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            // The request budget's shares never overlap only because revoked partitions are given up
            // (and the share lowered) before the next owner gets them: cooperative, classic protocol.
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, ConsumerConfig.GROUP_PROTOCOL_CONFIG);
    /**
     * Most records one poll may deliver: the offset window pauses a partition this far before the
     * commit metadata's bound, so a larger value would leave every partition paused for good.
     */
    static final int MAX_POLL_RECORDS_LIMIT = 4_096;

    private WorkerConfigLoader() {}

    /**
     * Builds the configuration from environment-style variables.
     *
     * @throws ConfigException naming every bad or missing setting
     */
    public static WorkerConfig load(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> kafkaOverrides = new TreeMap<>();
        Map<String, String> fileProfiles = new TreeMap<>();
        List<String> fileProblems = new ArrayList<>();
        String file = environment.get(Setting.TRACKER_CONFIG_FILE.name());
        if (file != null && !file.isBlank()) {
            readFile(Path.of(file.trim()), values, kafkaOverrides, fileProfiles, fileProblems);
        }
        values.putAll(environment);
        kafkaOverrides.putAll(kafkaPassThrough(environment));

        ConfigReader reader = new ConfigReader(values);
        fileProblems.forEach(reader::problem);
        ProfileSources sources = new ProfileSources(reader);
        reader.optional(Setting.MJ_UPSTREAMS_DIR).ifPresent(directory -> sources.readDirectory(Path.of(directory)));
        fileProfiles.forEach(sources::readFileEntry);
        sources.readEnvironment(environment);
        for (String guarded : kafkaOverrides.keySet()) {
            if (GUARDED_KAFKA_SETTINGS.contains(guarded)) {
                reader.problem(Setting.KAFKA_PASSTHROUGH_PREFIX + guarded.toUpperCase(Locale.ROOT).replace('.', '_')
                        + " (or kafka." + guarded + " in TRACKER_CONFIG_FILE) cannot be overridden: exactly-once delivery depends on "
                        + "the worker's own value (see docs/configuration.md)");
            }
        }
        kafkaOverrides.keySet().removeAll(GUARDED_KAFKA_SETTINGS);
        checkMaxPollRecords(reader, kafkaOverrides);
        KafkaSettings kafka = kafka(reader, kafkaOverrides);
        EgressSettings egress = EgressReader.read(reader);
        List<UpstreamProfile> upstreams = profiles(reader, sources.profiles(), egress);
        TrackingSettings tracking = tracking(reader);
        int metricsPort = reader.integer(Setting.METRICS_PORT, -1, 65535);
        HookSettings hooks = hooks(reader, kafka.topics());
        Duration shutdownTimeout =
                reader.duration(Setting.TRACKER_SHUTDOWN_TIMEOUT, Duration.ofSeconds(1), Duration.ofMinutes(10));
        LogSettings logging = logging(reader);
        if (!reader.problems().isEmpty()) {
            throw new ConfigException(reader.problems());
        }
        return new WorkerConfig(kafka, upstreams, egress, tracking, metricsPort, hooks, shutdownTimeout, logging);
    }

    private static HookSettings hooks(ConfigReader reader, TopicNames topics) {
        String hintsTopic = reader.required(Setting.TRACKER_HINTS_TOPIC);
        if (Set.of(topics.input(), topics.status(), topics.completed(), topics.deadLetter()).contains(hintsTopic)) {
            reader.problem("TRACKER_HINTS_TOPIC must differ from the input, status, completed and dead-letter topics, not '"
                    + hintsTopic + "'");
        }
        return new HookSettings(reader.integer(Setting.HOOK_PORT, -1, 65535), hintsTopic,
                reader.decimal(Setting.HOOK_RATE_PER_SOURCE, 1, 100_000),
                reader.duration(Setting.TRACKER_HOOK_SAFETY_GAP, Duration.ofSeconds(5), Duration.ofHours(1)));
    }

    private static void checkMaxPollRecords(ConfigReader reader, Map<String, String> kafkaOverrides) {
        String value = kafkaOverrides.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        if (value == null) {
            return;
        }
        try {
            int records = Integer.parseInt(value.trim());
            if (records >= 1 && records <= MAX_POLL_RECORDS_LIMIT) {
                return;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        reader.problem("KAFKA_MAX_POLL_RECORDS (or kafka.max.poll.records in TRACKER_CONFIG_FILE) must be between 1 and "
                + MAX_POLL_RECORDS_LIMIT + ", not '" + value + "': each partition pauses that many offsets before the "
                + "window its commit can describe (docs/progress.md)");
    }

    private static LogSettings logging(ConfigReader reader) {
        String format = reader.required(Setting.LOG_FORMAT);
        if (!format.equals("text") && !format.equals("json")) {
            reader.problem("LOG_FORMAT must be text or json, not '" + format + "'");
        }
        LogLevel level = logLevel(reader, Setting.LOG_LEVEL.name(), reader.required(Setting.LOG_LEVEL));
        Map<String, LogLevel> loggers = new LinkedHashMap<>();
        for (String pair : reader.required(Setting.LOG_LEVELS).split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String logger = equals < 0 ? "" : pair.substring(0, equals).trim();
            if (logger.isEmpty() || logger.contains(" ")) {
                reader.problem("LOG_LEVELS must be name=LEVEL pairs separated by commas "
                        + "(e.g. io.mjtracker.worker.tracking=DEBUG,org.apache.kafka=INFO), not '" + pair.trim() + "'");
                continue;
            }
            loggers.put(logger, logLevel(reader, "LOG_LEVELS (" + logger + ")", pair.substring(equals + 1)));
        }
        return new LogSettings(format.equals("json"), level, loggers);
    }

    private static LogLevel logLevel(ConfigReader reader, String what, String value) {
        try {
            return LogLevel.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            reader.problem(what + " must be one of " + Arrays.toString(LogLevel.values()) + ", not '" + value.trim() + "'");
            return LogLevel.INFO;
        }
    }

    private static KafkaSettings kafka(ConfigReader reader, Map<String, String> overrides) {
        String bootstrap = reader.required(Setting.KAFKA_BOOTSTRAP_SERVERS);
        String group = reader.required(Setting.TRACKER_GROUP_ID);
        var givenInstance = reader.optional(Setting.TRACKER_INSTANCE_ID);
        String instance = givenInstance.orElseGet(WorkerConfigLoader::defaultInstanceId);
        TopicNames topics = new TopicNames(
                reader.required(Setting.TRACKER_INPUT_TOPIC),
                reader.required(Setting.TRACKER_STATUS_TOPIC),
                reader.required(Setting.TRACKER_COMPLETED_TOPIC),
                reader.required(Setting.TRACKER_DLQ_TOPIC));
        if (Set.of(topics.input(), topics.status(), topics.completed(), topics.deadLetter()).size() < 4) {
            reader.problem("TRACKER_INPUT_TOPIC, TRACKER_STATUS_TOPIC, TRACKER_COMPLETED_TOPIC and TRACKER_DLQ_TOPIC must be four different topics");
        }
        int partitions = reader.integer(Setting.TRACKER_TOPIC_PARTITIONS, 1, 10_000);
        var replication = reader.optionalInteger(Setting.TRACKER_TOPIC_REPLICATION, 1, 32).map(Integer::shortValue);
        return new KafkaSettings(bootstrap, group, instance, givenInstance.isPresent(), topics, partitions, replication, overrides);
    }

    /**
     * The profile {@code default} from the MJ_API_* settings, where a base URL is given or no other profile
     * exists (then it is required, as before profiles), and every named profile, each checked exactly as
     * {@code default} is and its problems named by profile.
     */
    private static List<UpstreamProfile> profiles(ConfigReader reader, Map<String, Map<ProfileSetting, String>> named,
            EgressSettings egress) {
        List<UpstreamProfile> profiles = new ArrayList<>();
        if (named.isEmpty() || reader.optional(Setting.MJ_API_BASE_URL).isPresent()) {
            profiles.add(new UpstreamProfile(UpstreamProfile.DEFAULT, upstream(reader, egress), resilience(reader),
                    UpstreamProfile.DEFAULT, hookToken(reader)));
        } else {
            for (Setting orphan : List.of(Setting.MJ_API_KEY, Setting.MJ_API_KEY_FILE)) {
                if (reader.optional(orphan).isPresent()) {
                    reader.problem(orphan.name() + " is set but MJ_API_BASE_URL is not: the profile 'default' needs both "
                            + "(or leave both out and name a profile in every request)");
                }
            }
        }
        if (named.size() > MAX_PROFILES) {
            reader.problem(named.size() + " upstream profiles are configured; at most " + MAX_PROFILES + " are supported");
        }
        named.forEach((name, given) -> {
            Map<String, String> values = new HashMap<>();
            given.forEach((setting, value) -> {
                if (setting.standsFor() != null) {
                    values.put(setting.standsFor().name(), value);
                }
            });
            ConfigReader profileReader = reader.forProfile(name, values, setting -> Arrays.stream(ProfileSetting.values())
                    .filter(own -> own.standsFor() == setting).map(ProfileSetting::fileKey).findFirst().orElse(setting.name()));
            String tag = given.getOrDefault(ProfileSetting.METRICS_TAG, name);
            if (!ProfileSources.NAME.matcher(tag).matches()) {
                reader.problem("upstream '" + name + "': metrics-tag must be lower-case letters, digits and inner dashes, "
                        + "at most 40 characters, not '" + tag + "'");
            }
            profiles.add(new UpstreamProfile(name, upstream(profileReader, egress), resilience(profileReader), tag,
                    hookToken(profileReader)));
        });
        long tags = profiles.stream().map(UpstreamProfile::metricsTag).distinct().count();
        if (tags > MAX_METRICS_TAGS) {
            reader.problem(tags + " distinct upstream metric tags; at most " + MAX_METRICS_TAGS
                    + " keep the series bounded: group profiles with metrics-tag (e.g. every customer key of one gateway)");
        }
        return profiles;
    }

    private static UpstreamSettings upstream(ConfigReader reader, EgressSettings egress) {
        var baseUrl = reader.httpUrl(Setting.MJ_API_BASE_URL);
        Secret key = apiKey(reader);
        String header = reader.required(Setting.MJ_API_AUTH_HEADER);
        String headerLabel = reader.label(Setting.MJ_API_AUTH_HEADER);
        if (!HEADER_NAME.matcher(header).matches()) {
            reader.problem(headerLabel + " must be an HTTP header name such as Authorization or mj-api-secret, not '" + header + "'");
        } else if (RESTRICTED_HEADERS.contains(header.toLowerCase(Locale.ROOT))) {
            reader.problem(headerLabel + " cannot be '" + header + "': the HTTP client sets that header itself");
        }
        return new UpstreamSettings(baseUrl, key, header,
                reader.duration(Setting.MJ_API_REQUEST_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5)),
                reader.duration(Setting.MJ_API_CONNECT_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(1)),
                reader.integer(Setting.MJ_API_MAX_BODY_BYTES, 1024, 64 * 1024 * 1024),
                egress,
                reader.choice(Setting.MJ_API_BATCH, BatchMode.class),
                reader.integer(Setting.MJ_API_BATCH_MAX_IDS, 2, 1000),
                reader.choice(Setting.MJ_API_REFRESH, RefreshMode.class) == RefreshMode.AUTO);
    }

    private static Secret apiKey(ConfigReader reader) {
        var file = reader.optional(Setting.MJ_API_KEY_FILE);
        String fileLabel = reader.label(Setting.MJ_API_KEY_FILE);
        if (file.isPresent()) {
            Path path = Path.of(file.get());
            try {
                String key = Files.readString(path, StandardCharsets.UTF_8).strip();
                if (key.isEmpty()) {
                    reader.problem(fileLabel + " names an empty file: " + path);
                }
                checkKeyCharacters(reader, key, "the file " + fileLabel + " names");
                return new Secret(key);
            } catch (IOException e) {
                reader.problem(fileLabel + " cannot be read: " + path + " (" + e.getClass().getSimpleName() + ")");
                return new Secret("");
            }
        }
        var key = reader.optional(Setting.MJ_API_KEY);
        String keyLabel = reader.label(Setting.MJ_API_KEY);
        if (key.isEmpty()) {
            reader.problem(keyLabel + " or " + reader.name(Setting.MJ_API_KEY_FILE) + " is required: the key the upstream API expects");
            return new Secret("");
        }
        checkKeyCharacters(reader, key.get(), keyLabel);
        return new Secret(key.get());
    }

    /** The profile's hook token, from its file or its setting, or null where it takes no hooks. */
    private static Secret hookToken(ConfigReader reader) {
        var file = reader.optional(Setting.MJ_API_HOOK_TOKEN_FILE);
        String token;
        String source;
        if (file.isPresent()) {
            source = "the file " + reader.label(Setting.MJ_API_HOOK_TOKEN_FILE) + " names";
            try {
                token = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                reader.problem(reader.label(Setting.MJ_API_HOOK_TOKEN_FILE) + " cannot be read: " + file.get()
                        + " (" + e.getClass().getSimpleName() + ")");
                return null;
            }
        } else {
            var value = reader.optional(Setting.MJ_API_HOOK_TOKEN);
            if (value.isEmpty()) {
                return null;
            }
            token = value.get();
            source = reader.label(Setting.MJ_API_HOOK_TOKEN);
        }
        if (!HOOK_TOKEN.matcher(token).matches()) {
            reader.problem(source + " must be 16 to 128 letters, digits, '-' or '_' (it goes in the hook URL); the token is not shown");
        }
        return new Secret(token);
    }

    /** An HTTP header carries visible ASCII (and Latin-1) only; the message never shows the key. */
    private static void checkKeyCharacters(ConfigReader reader, String key, String source) {
        if (key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            reader.problem(source + " contains control characters (a stray newline?); the key is not shown");
        } else if (key.chars().anyMatch(c -> c > 0xff || c >= 0x80 && c < 0xa0)) {
            reader.problem(source + " contains characters an HTTP header cannot carry (outside Latin-1); the key is not shown");
        }
    }

    private static TrackingSettings tracking(ConfigReader reader) {
        int maxInFlight = reader.optionalInteger(Setting.TRACKER_MAX_IN_FLIGHT, 1, 1_000_000)
                .orElse(defaultMaxInFlight(Runtime.getRuntime().maxMemory()));
        // Resume means "fewer open than this": at least 1, or a cap of 1 would never resume.
        int resume = reader.optionalInteger(Setting.TRACKER_RESUME_IN_FLIGHT, 1, 1_000_000)
                .orElse(Math.max(1, maxInFlight * 9 / 10));
        if (maxInFlight >= 1 && resume > maxInFlight) {
            reader.problem("TRACKER_RESUME_IN_FLIGHT (" + resume + ") must not exceed TRACKER_MAX_IN_FLIGHT (" + maxInFlight + ")");
        }
        return new TrackingSettings(maxInFlight, resume,
                reader.integer(Setting.TRACKER_MAX_CONCURRENT_REQUESTS, 1, 10_000),
                reader.duration(Setting.TRACKER_MAX_TRACK_DURATION, Duration.ofSeconds(1), Duration.ofDays(30)),
                reader.duration(Setting.TRACKER_NOT_FOUND_GRACE, Duration.ZERO, Duration.ofDays(1)),
                reader.integer(Setting.TRACKER_MAX_MALFORMED_POLLS, 1, 1000),
                reader.decimal(Setting.TRACKER_CADENCE_SCALE, 0.01, 10),
                reader.duration(Setting.TRACKER_MAX_POLL_GAP, Duration.ofSeconds(1), Duration.ofHours(24)));
    }

    /**
     * The in-flight cap a heap of {@code maxHeapBytes} carries: the live heap at the cap (a 48 MiB baseline
     * and under 1 KiB a request, BENCHMARKS.md "Scale") at most half the heap, so that the collector has
     * room to copy; between 1,000 and 1,000,000. A fixed default either wasted a large heap (requests waiting
     * in Kafka behind the cap, their lag growing) or overfilled a small one.
     */
    public static int defaultMaxInFlight(long maxHeapBytes) {
        long forRequests = maxHeapBytes / 2 - 48L * 1024 * 1024;
        return (int) Math.clamp(forRequests / 1024, 1_000L, 1_000_000L);
    }

    private static ResilienceSettings resilience(ConfigReader reader) {
        Duration initial = reader.duration(Setting.TRACKER_RETRY_INITIAL_BACKOFF, Duration.ofMillis(10), Duration.ofMinutes(1));
        Duration max = reader.duration(Setting.TRACKER_RETRY_MAX_BACKOFF, Duration.ofMillis(10), Duration.ofMinutes(10));
        if (max.compareTo(initial) < 0) {
            reader.problem(reader.label(Setting.TRACKER_RETRY_MAX_BACKOFF) + " must not be smaller than "
                    + reader.label(Setting.TRACKER_RETRY_INITIAL_BACKOFF));
        }
        return new ResilienceSettings(
                reader.decimal(Setting.TRACKER_RATE_LIMIT_PER_SECOND, 0.1, 100_000),
                reader.integer(Setting.TRACKER_RETRY_MAX_ATTEMPTS, 1, 100),
                initial, max,
                reader.integer(Setting.TRACKER_BREAKER_FAILURE_RATE, 1, 100),
                reader.integer(Setting.TRACKER_BREAKER_WINDOW, 2, 10_000),
                reader.duration(Setting.TRACKER_BREAKER_OPEN_DURATION, Duration.ofMillis(100), Duration.ofHours(1)));
    }

    /**
     * The settings as the worker reads them, in the environment's form, for the commands that use the worker's
     * settings without being the worker ({@code submit}, {@code watch}, {@code run}'s choice of the plain worker):
     * the entries of {@code TRACKER_CONFIG_FILE} ({@code kafka.x.y} as {@code KAFKA_X_Y}) with the environment over
     * them, as {@link #load} layers them.
     *
     * @throws ConfigException where the file cannot be read
     */
    public static Map<String, String> effectiveSettings(Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        String file = environment.get(Setting.TRACKER_CONFIG_FILE.name());
        if (file != null && !file.isBlank()) {
            Map<String, String> kafkaOverrides = new TreeMap<>();
            readFile(Path.of(file.trim()), values, kafkaOverrides, new TreeMap<>(), new ArrayList<>());
            kafkaOverrides.forEach((key, value) ->
                    values.put(Setting.KAFKA_PASSTHROUGH_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        }
        values.putAll(environment);
        return values;
    }

    /**
     * {@code KAFKA_X_Y=v} becomes client setting {@code x.y=v} where {@code x.y} is a setting some
     * Kafka client knows; other {@code KAFKA_*} variables (Kubernetes injects {@code KAFKA_PORT} for a
     * service named kafka) are ignored rather than passed on as unknown settings.
     */
    public static Map<String, String> kafkaPassThrough(Map<String, String> environment) {
        Set<String> known = knownClientSettings();
        Map<String, String> overrides = new TreeMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(Setting.KAFKA_PASSTHROUGH_PREFIX) && !name.equals(Setting.KAFKA_BOOTSTRAP_SERVERS.name())) {
                String key = name.substring(Setting.KAFKA_PASSTHROUGH_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (known.contains(key)) {
                    overrides.put(key, value);
                }
            }
        });
        return overrides;
    }

    private static Set<String> knownClientSettings() {
        Set<String> names = new java.util.HashSet<>(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

    private static void readFile(Path path, Map<String, String> values, Map<String, String> kafkaOverrides,
            Map<String, String> profileEntries, List<String> problems) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new ConfigException(java.util.List.of(
                    "TRACKER_CONFIG_FILE cannot be read: " + path + " (" + e.getClass().getSimpleName() + ")"));
        }
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(FILE_KAFKA_PREFIX)) {
                String key = name.substring(FILE_KAFKA_PREFIX.length());
                if (knownClientSettings().contains(key)) {
                    kafkaOverrides.put(key, properties.getProperty(name));
                } else {
                    // Unlike the environment (where Kubernetes adds KAFKA_PORT and the like), every key of
                    // the file was written for the worker: an unknown one is a typo, not noise.
                    problems.add("TRACKER_CONFIG_FILE: " + name + " is not a Kafka client setting");
                }
            } else if (name.startsWith(ProfileSources.FILE_PREFIX)) {
                profileEntries.put(name, properties.getProperty(name));
            } else {
                values.put(name, properties.getProperty(name));
            }
        }
    }

    private static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
