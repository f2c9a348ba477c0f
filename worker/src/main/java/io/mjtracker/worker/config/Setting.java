package io.mjtracker.worker.config;

/**
 * Every setting the worker reads, with its default and a doc line. The configuration table of docs/configuration.md
 * is checked against this list by a test, so the two cannot drift apart.
 */
public enum Setting {
    KAFKA_BOOTSTRAP_SERVERS(null, "Kafka bootstrap servers, `host:port[,host:port]`. Required."),
    MJ_API_BASE_URL(null, "Base URL of the Midjourney-proxy API of the upstream profile `default`, e.g. `https://api.cometapi.com`; http or https, no query. Required unless named profiles are configured (see docs/upstreams.md). The `MJ_API_*`, `TRACKER_RATE_LIMIT_PER_SECOND`, `TRACKER_RETRY_*` and `TRACKER_BREAKER_*` settings configure the profile `default`."),
    MJ_API_KEY(null, "API key sent with every request. Required unless `MJ_API_KEY_FILE` is set; never logged."),
    MJ_API_KEY_FILE(null, "File holding the API key (a mounted secret); takes precedence over `MJ_API_KEY`."),
    MJ_API_AUTH_HEADER("Authorization", "Header carrying the key: `Authorization` sends `Bearer <key>`; any other name (e.g. `mj-api-secret` for self-hosted midjourney-proxy) sends the raw key."),
    MJ_API_REQUEST_TIMEOUT("10s", "Timeout of one fetch request, 100ms..5m."),
    MJ_API_CONNECT_TIMEOUT("5s", "TCP/TLS connect timeout, 100ms..1m."),
    MJ_API_MAX_BODY_BYTES("1048576", "Largest response body read (a batch answer: this times the ids asked, at most 256 MiB); "
            + "a larger one is a malformed answer, 1024..67108864. Answers held at once, every profile together, are bounded by a "
            + "quarter of the heap: one that does not fit is not read and is retried like a broken connection, and a batch answer "
            + "keeps only the tasks it asked for."),
    MJ_API_BATCH("auto", "Poll many tasks per request with `POST /mj/task/list-by-condition`: `auto` uses it where the upstream answers it (single fetches otherwise, asked again every 10 min), `on` requires it, `off` never uses it."),
    MJ_API_BATCH_MAX_IDS("1000", "Most task ids in one batch request, 2..1000. Batches start at 100 and double while full ones leave due polls waiting for the budget; lowered by itself where the upstream silently answers fewer or fails a larger batch."),
    MJ_API_REFRESH("auto", "`auto` learns a gateway's sync tick (it refreshes its tasks every so many seconds) from the answers and polls no task faster than the tick, right after it; `off` polls on the cadence alone."),
    MJ_API_HOOK_TOKEN(null, "Secret that a callback (`notifyHook`) of this profile's upstream must carry in its URL, `/hooks/<profile>/<token>`: 16..128 letters, digits, `-` or `_`; never logged. Unset: the profile takes no hooks. See docs/hooks.md."),
    MJ_API_HOOK_TOKEN_FILE(null, "File holding the hook token (a mounted secret); takes precedence over `MJ_API_HOOK_TOKEN`."),
    MJ_UPSTREAMS_DIR(null, "Directory of one file per further upstream profile, `<name>.properties` holding `base-url=`, `key=` and the other profile settings (e.g. mounted secrets); see docs/upstreams.md."),
    HTTPS_PROXY(null, "Forward proxy for an https:// upstream, `http://host:port` (CONNECT tunnel); `https_proxy` too. Default: direct."),
    HTTP_PROXY(null, "Forward proxy for an http:// upstream, `http://host:port`; `http_proxy` too. Default: direct."),
    NO_PROXY(null, "Hosts reached directly despite a proxy, comma-separated: names, domain suffixes (`.corp.example`), IP literals, or `*`; `no_proxy` too."),
    MJ_API_CA_FILE(null, "PEM file of CA certificates trusted besides the JDK's own, e.g. a TLS-inspecting proxy's."),
    TRACKER_GROUP_ID("mj-tracker", "Kafka consumer group; run more instances with the same id to scale out."),
    TRACKER_INSTANCE_ID(null, "Stable name of this instance (e.g. a StatefulSet pod name): also its static group membership, so a restart takes its partitions back at once. Default: host name plus a random suffix, dynamic membership."),
    TRACKER_INPUT_TOPIC("mj.tasks", "Topic of task requests (a bare id or a JSON object with `id`)."),
    TRACKER_STATUS_TOPIC("mj.tasks.status", "Topic of status updates, one per observed change, key = task id."),
    TRACKER_COMPLETED_TOPIC("mj.tasks.completed", "Topic of final results, exactly one per request, key = task id."),
    TRACKER_DLQ_TOPIC("mj.tasks.dlq", "Dead-letter topic for input records that are not a valid task request."),
    TRACKER_HINTS_TOPIC("mj.tasks.hints", "Topic carrying accepted hooks from the instance that received them to the one tracking the task; created with a 10-minute retention. Used only where a profile has a hook token."),
    TRACKER_TOPIC_PARTITIONS("12", "Partitions of topics the worker creates where missing, 1..10000."),
    TRACKER_TOPIC_REPLICATION(null, "Replication factor of topics the worker creates, 1..32. Default: the broker's default."),
    TRACKER_RATE_LIMIT_PER_SECOND("10", "Most requests per second the whole consumer group sends to the upstream (the API key's limit), 0.1..100000 (fractions allowed). Each instance sends its share: this × the input partitions it owns / all of them."),
    TRACKER_MAX_IN_FLIGHT(null, "Most requests open at once (taken in, not yet answered and committed), all upstreams together; intake pauses at this cap and the rest wait in Kafka, 1..1000000. Default: what the heap carries at under 1 KiB a request with half the heap to spare, (max heap / 2 - 48 MiB) / 1 KiB, 1,000..1,000,000 (a 384 MiB heap: 147,456). Each input partition also pauses once 15,884 requests on it are in progress (docs/progress.md): own at least cap / 15,884 partitions."),
    TRACKER_RESUME_IN_FLIGHT(null, "Intake resumes when open requests fall below this, 1..1000000. Default: 90% of `TRACKER_MAX_IN_FLIGHT` (at least 1)."),
    TRACKER_MAX_CONCURRENT_REQUESTS("64", "Most requests outstanding at once to each upstream profile, 1..10000."),
    TRACKER_MAX_TRACK_DURATION("1h", "A task still unfinished after this ends as TIMED_OUT, 1s..30d."),
    TRACKER_NOT_FOUND_GRACE("2m", "How long a task may stay invisible upstream before it ends as NOT_FOUND, 0s..1d."),
    TRACKER_CADENCE_SCALE("1", "Multiplies every poll interval (queued 25s, running up to 20s, near the end 1s), 0.01..10. Below 1 only for simulators and demos whose tasks last seconds."),
    TRACKER_MAX_POLL_GAP("2m", "Longest a task waits between two polls while demand exceeds the request budget (the budget must cover the tasks: in-flight tasks / gap <= rate x batch size), 1s..24h."),
    TRACKER_MAX_MALFORMED_POLLS("5", "Consecutive unparseable answers for one task before it ends as FAILED, 1..1000."),
    TRACKER_RETRY_MAX_ATTEMPTS("4", "Attempts per poll for transient failures (timeouts, IO errors, 5xx, 429), 1..100."),
    TRACKER_RETRY_INITIAL_BACKOFF("500ms", "First retry backoff; grows exponentially with jitter, 10ms..1m."),
    TRACKER_RETRY_MAX_BACKOFF("30s", "Largest retry backoff, and the longest a 429's `Retry-After` pauses a profile or delays a task, 10ms..10m."),
    TRACKER_BREAKER_FAILURE_RATE("50", "Failure rate in percent over the window that opens the circuit, 1..100."),
    TRACKER_BREAKER_WINDOW("20", "Calls in the circuit breaker's sliding window, 2..10000."),
    TRACKER_BREAKER_OPEN_DURATION("15s", "How long the circuit stays open before half-open probes, 100ms..1h."),
    TRACKER_SHUTDOWN_TIMEOUT("20s", "Bound on a graceful shutdown (finish requests, flush, commit), 1s..10m."),
    HOOK_PORT("9480", "Port of the hook receiver (`POST /hooks/<profile>/<token>`), separate from the metrics port so that only it is exposed to upstreams; 0 picks a free port, -1 disables. Listens only where a profile has a hook token."),
    HOOK_RATE_PER_SOURCE("1000", "Most hooks accepted per second from one source address (a burst of twice that), 1..100000; more are answered 429."),
    TRACKER_HOOK_SAFETY_GAP("60s", "While a profile's hooks announce its tasks' ends, its tasks are polled at this gap plus on hooks instead of on the cadence, 5s..1h (docs/hooks.md)."),
    METRICS_PORT("9464", "Port of `/metrics`, `/health/live`, `/health/ready`; 0 picks a free port, -1 disables."),
    LOG_FORMAT("text", "Log lines as plain `text` or `json` (one JSON object per line, for log shippers; fields in docs/deploy.md)."),
    LOG_LEVEL("INFO", "Level of every logger not named in `LOG_LEVELS`: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `OFF`."),
    LOG_LEVELS("org.apache.kafka=WARN", "Levels of single loggers and their children, as `name=LEVEL` pairs separated by commas, e.g. `io.mjtracker.worker.tracking=DEBUG,org.apache.kafka=INFO`. Replaces the default, which quiets the Kafka clients' INFO chatter."),
    TRACKER_CONFIG_FILE(null, "Optional properties file with any of these names as keys; the environment wins over it.");

    private final String defaultValue;
    private final String doc;

    Setting(String defaultValue, String doc) {
        this.defaultValue = defaultValue;
        this.doc = doc;
    }

    /** The default as text, or {@code null} where there is none (required or computed). */
    public String defaultValue() {
        return defaultValue;
    }

    /** One line for the table of docs/configuration.md. */
    public String doc() {
        return doc;
    }

    /**
     * Prefix of pass-through Kafka client settings: {@code KAFKA_SECURITY_PROTOCOL=SASL_SSL} becomes
     * {@code security.protocol=SASL_SSL} on every client.
     */
    public static final String KAFKA_PASSTHROUGH_PREFIX = "KAFKA_";
}
