package io.mjtracker.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The simulator server. Routes: {@code GET /mj/task/{id}/fetch}, {@code POST /mj/task/list-by-condition}
 * (alias {@code list-by-ids}), {@code POST /mj/submit/imagine}, {@code GET /sim/stats},
 * {@code POST /sim/faults?name=value...}. One virtual thread per request.
 */
public final class UpstreamSimulator implements AutoCloseable {

    /** The submission's hook URL: the simulator reads no other field of it, so a pattern does without a JSON library. */
    private static final java.util.regex.Pattern NOTIFY_HOOK =
            java.util.regex.Pattern.compile("\"notifyHook\"\\s*:\\s*\"(https?://[^\"\\\\\\s]+)\"");
    private static final byte[] NOT_FOUND_JSON =
            "{\"error\":{\"code\":\"not_found\",\"message\":\"task not found\",\"type\":\"invalid_request_error\"}}"
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] UNAUTHORIZED_JSON =
            "{\"error\":{\"code\":\"invalid_api_key\",\"message\":\"invalid api key\",\"type\":\"authentication_error\"}}"
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] TASK_NO_FOUND_JSON = "{\"code\":4,\"description\":\"task_no_found\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HTML_PAGE =
            "<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works</h1></body></html>"
                    .getBytes(StandardCharsets.UTF_8);

    /** @param owner the credential (auth header value) of the key that created it, or null: any accepted key sees it */
    private record Registered(TaskScript script, long createdAt, String owner) {}

    /** How a 429 states its {@code Retry-After} (RFC 9110 allows both). */
    public enum RetryAfterFormat {
        /** Whole seconds from now, rounded up. */
        SECONDS,
        /** The instant as an HTTP-date, e.g. {@code Mon, 23 Nov 2026 10:01:28 GMT}. */
        HTTP_DATE,
        /** No {@code Retry-After} at all: the client has to guess. */
        NONE
    }

    /** A spent quota: every fetch is a 429 until {@code untilMillis} (simulator clock). */
    private record Quota(long untilMillis, RetryAfterFormat format) {}

    private final SimulatorConfig config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Registered> tasks = new ConcurrentHashMap<>();
    private final AtomicReference<Faults> faults;
    private final AtomicReference<TokenBucket> bucket = new AtomicReference<>();
    private final SimulatorStats stats = new SimulatorStats();
    private final SplittableRandom dice;
    private final AtomicLong lastId = new AtomicLong();
    private final TaskRenderer renderer;
    private final AtomicReference<String> expectedAuth = new AtomicReference<>();
    /** Further keys accepted beside {@link #expectedAuth}, as credentials: a gateway serving several customers. */
    private final Set<String> otherKeys = ConcurrentHashMap.newKeySet();
    /** Where the sync tick counts from. */
    private final long startedAt;
    private final AtomicReference<Quota> quota = new AtomicReference<>();
    private final HookSender hooks;
    /** The hook of tasks submitted or auto-created without one of their own, as a proxy's global {@code notify-hook}. */
    private final AtomicReference<URI> defaultNotifyHook = new AtomicReference<>();

    private UpstreamSimulator(SimulatorConfig config, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.faults = new AtomicReference<>(config.faults());
        this.dice = new SplittableRandom(config.seed());
        this.renderer = new TaskRenderer(baseUrl() + "/mj/image/");
        this.startedAt = config.clock().millis();
        this.hooks = new HookSender(this::visibleState, renderer, config.seed());
        requireKey(config.apiKey());
        resetBucket(config.faults());
    }

    /** Starts serving on loopback. */
    public static UpstreamSimulator start(SimulatorConfig config) {
        return start(config, new InetSocketAddress(InetAddress.getLoopbackAddress(), config.port()));
    }

    /** Starts serving on every interface (in a container). */
    public static UpstreamSimulator startOnAllInterfaces(SimulatorConfig config) {
        return start(config, new InetSocketAddress(config.port()));
    }

    private static UpstreamSimulator start(SimulatorConfig config, InetSocketAddress address) {
        try {
            HttpServer server = HttpServer.create(address, 1024);
            ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
            server.setExecutor(executor);
            UpstreamSimulator simulator = new UpstreamSimulator(config, server, executor);
            server.createContext("/mj/task/", simulator::fetch);
            BatchRoute batch = new BatchRoute(simulator, config);
            BatchRoute.PATHS.forEach(path -> server.createContext(path, batch));
            server.createContext("/mj/submit/", simulator::submit);
            server.createContext("/sim/stats", simulator::statsPage);
            server.createContext("/sim/faults", simulator::faultsPage);
            server.start();
            return simulator;
        } catch (IOException e) {
            throw new UncheckedIOException("simulator cannot listen on port " + config.port(), e);
        }
    }

    /** Where clients reach it, e.g. {@code http://127.0.0.1:41234}. */
    public URI baseUrl() {
        InetSocketAddress address = server.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
        return URI.create("http://" + host + ":" + address.getPort());
    }

    /** Creates a task with a fresh id. */
    public String createTask(TaskScript script) {
        String id = newId();
        createTask(id, script);
        return id;
    }

    /** Creates {@code count} tasks following one script; returns their ids in order of creation. */
    public List<String> createTasks(int count, TaskScript script) {
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(createTask(script));
        }
        return ids;
    }

    /** Creates a task scripted by the configured mix, as {@code POST /mj/submit/imagine} does; returns its id. */
    public String submit() {
        return submit((URI) null);
    }

    /**
     * Like {@link #submit()}, with the submission's {@code notifyHook} (null for none): the task's JSON is
     * then POSTed there on every change of status or progress.
     */
    public String submit(URI notifyHook) {
        String id = newId();
        createTask(id, config.mix().scriptFor(id), notifyHook);
        return id;
    }

    /** Creates a task with a fresh id whose changes are POSTed to {@code notifyHook}. */
    public String createTask(TaskScript script, URI notifyHook) {
        String id = newId();
        createTask(id, script, notifyHook);
        return id;
    }

    /** Creates (or replaces) the task {@code id}, its clock starting now; null {@code notifyHook}: no hooks. */
    public void createTask(String id, TaskScript script, URI notifyHook) {
        long now = config.clock().millis();
        tasks.put(id, new Registered(script, now, null));
        URI hook = notifyHook != null ? notifyHook : defaultNotifyHook.get();
        if (hook != null) {
            hooks.add(id, script, now, hook);
        }
    }

    /**
     * The hook of every task created from now on without one of its own (null: none), as a self-hosted
     * proxy's global {@code mj.notify-hook} setting.
     */
    public void defaultNotifyHook(URI hook) {
        defaultNotifyHook.set(hook);
    }

    /** How the hooks misbehave from now on (loss, delay, duplicates), or whether they are sent at all. */
    public void hookFaults(HookFaults value) {
        hooks.faults(value);
    }



    /** Creates (or replaces) the task {@code id}; its clock starts now. */
    public void createTask(String id, TaskScript script) {
        createTask(id, script, null);
    }

    /**
     * Creates a task owned by {@code key}, as a new-api gateway records which key submitted it: it answers
     * the task to that key alone, and to any other key as unknown ({@code task_no_found}, left out of a
     * batch). The key is accepted from now on. Returns the id.
     */
    public String createTaskOwnedBy(String key, TaskScript script) {
        String credential = credential(key);
        otherKeys.add(credential);
        String id = newId();
        tasks.put(id, new Registered(script, config.clock().millis(), credential));
        return id;
    }

    private String credential(String key) {
        return config.authHeader().equalsIgnoreCase("Authorization") ? "Bearer " + key : key;
    }

    /** Stops accepting a key given to {@link #createTaskOwnedBy}, as a gateway does with a revoked customer key (401). */
    public void revokeKey(String key) {
        otherKeys.remove(credential(key));
    }

    /** Changes the key requests must carry (null: any), as when a key is rotated or revoked upstream. */
    public void requireKey(String key) {
        expectedAuth.set(key == null ? null : credential(key));
    }

    /**
     * Answers every fetch with a 429 until {@code until}, each carrying a {@code Retry-After} that points
     * at that instant, as a gateway does whose quota window is spent. {@code until} is truncated to whole
     * seconds (an HTTP-date has no finer resolution), so both formats name the same instant; the
     * truncated instant is returned.
     */
    public Instant exhaustQuotaUntil(Instant until, RetryAfterFormat format) {
        Objects.requireNonNull(format);
        Instant whole = until.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        quota.set(new Quota(whole.toEpochMilli(), format));
        return whole;
    }

    /** Ends a spent quota at once. */
    public void restoreQuota() {
        quota.set(null);
    }

    public SimulatorStats stats() {
        return stats;
    }

    public Faults faults() {
        return faults.get();
    }

    /** Replaces the faults; takes effect on the next request. */
    public void faults(Faults value) {
        faults.set(value);
        resetBucket(value);
    }

    private void resetBucket(Faults value) {
        bucket.set(value.rateLimitPerSecond() > 0
                ? new TokenBucket(value.rateLimitPerSecond(), value.rateLimitBurst(), System.nanoTime()) : null);
    }

    /**
     * A Midjourney-like id (epoch millis and three more digits) that is never handed out twice: more than
     * a thousand tasks created within one millisecond (a test creating thousands in a loop) take the next
     * free number rather than wrapping onto an earlier task's id and replacing its script.
     */
    private String newId() {
        long floor = config.clock().millis() * 1000;
        return Long.toString(lastId.updateAndGet(previous -> Math.max(previous + 1, floor)));
    }

    void fetch(HttpExchange exchange) throws IOException {
        long arrival = System.nanoTime();
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String id = path.startsWith("/mj/task/") && path.endsWith("/fetch")
                    ? path.substring("/mj/task/".length(), path.length() - "/fetch".length()) : null;
            if (id == null || id.isEmpty() || id.contains("/")) {
                send(exchange, arrival, null, 404, NOT_FOUND_JSON);
                return;
            }
            Faults current = faults.get();
            if (refused(exchange, arrival, id, current)) {
                return;
            }
            if (current.hostile() != Faults.Hostile.NONE && hostile(exchange, arrival, id, current.hostile())) {
                return;
            }
            Registered task = lookup(id);
            if (task == null) {
                send(exchange, arrival, id, 404, NOT_FOUND_JSON);
                return;
            }
            if (!ownerAsks(task, id, exchange)) {
                notFound(exchange, arrival, id, NotFoundStyle.TASK_NO_FOUND_400);
                return;
            }
            TaskState state = stateOf(task);
            if (!state.visible()) {
                notFound(exchange, arrival, id, task.script().notFoundStyle());
                return;
            }
            if (roll() < current.malformedRate()) {
                malformed(exchange, arrival, id);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            send(exchange, arrival, id, 200, renderer.render(id, task.script(), state));
        }
    }

    /**
     * The gateway's own answers, before any task is looked at: a wrong key (401), an outage (503), the 429
     * limiter (one token per request, a batch included), latency, injected 5xx. True when it has answered.
     */
    boolean refused(HttpExchange exchange, long arrival, String id, Faults current) throws IOException {
        if (!authorized(exchange)) {
            send(exchange, arrival, id, 401, UNAUTHORIZED_JSON);
            return true;
        }
        if (current.outage()) {
            stats.faultServed("outage");
            send(exchange, arrival, id, 503, "{\"error\":{\"message\":\"service unavailable\"}}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        Quota spent = quota.get();
        long nowMillis = config.clock().millis();
        if (spent != null && nowMillis < spent.untilMillis()) {
            stats.faultServed("quota");
            switch (spent.format()) {
                case SECONDS -> exchange.getResponseHeaders().set("Retry-After",
                        Long.toString(Math.ceilDiv(spent.untilMillis() - nowMillis, 1000)));
                case HTTP_DATE -> exchange.getResponseHeaders().set("Retry-After",
                        DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.ofEpochMilli(spent.untilMillis()).atOffset(ZoneOffset.UTC)));
                case NONE -> { }
            }
            send(exchange, arrival, id, 429, "{\"error\":{\"message\":\"quota exceeded\"}}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        TokenBucket limiter = bucket.get();
        if (limiter != null) {
            long retryAfter = limiter.tryTake(arrival);
            if (retryAfter > 0) {
                if (current.retryAfter()) {
                    exchange.getResponseHeaders().set("Retry-After", Long.toString(retryAfter));
                }
                send(exchange, arrival, id, 429, "{\"error\":{\"message\":\"too many requests\"}}".getBytes(StandardCharsets.UTF_8));
                return true;
            }
        }
        delay(current);
        if (roll() < current.serverErrorRate()) {
            int status = new int[] {500, 502, 503}[(int) (roll() * 3)];
            send(exchange, arrival, id, status, "{\"error\":{\"message\":\"upstream failed\"}}".getBytes(StandardCharsets.UTF_8));
            return true;
        }
        return false;
    }

    /**
     * Whether the request may see the task: any request where the task has no owner, else only its
     * owner's; records which key asked for an owned task.
     */
    private boolean ownerAsks(Registered task, String id, HttpExchange exchange) {
        if (task.owner() == null) {
            return true;
        }
        String credential = exchange.getRequestHeaders().getFirst(config.authHeader());
        boolean owner = task.owner().equals(credential);
        stats.askedWith(id, credential, owner);
        return owner;
    }

    /**
     * The task's JSON as its fetch would answer now to this request, or null when the task is unknown, not
     * yet visible, or another key's.
     */
    byte[] visibleTask(String id, HttpExchange exchange) {
        Registered task = lookup(id);
        if (task != null && !ownerAsks(task, id, exchange)) {
            return null;
        }
        TaskState state = task == null ? null : stateOf(task);
        return state != null && state.visible() ? renderer.render(id, task.script(), state) : null;
    }

    /** The task registered as {@code id}, created from the mix when auto-create is on; null when unknown. */
    private Registered lookup(String id) {
        Registered task = tasks.get(id);
        if (task == null && config.autoCreate()) {
            task = tasks.computeIfAbsent(id, key -> {
                Registered created = new Registered(config.mix().scriptFor(key), config.clock().millis(), null);
                URI hook = defaultNotifyHook.get();
                if (hook != null) {
                    hooks.add(key, created.script(), created.createdAt(), hook);
                }
                return created;
            });
        }
        return task;
    }

    /**
     * The task as clients see it now. With a sync tick, a gateway shows its copy of the task as of its last
     * sync: the state at the last multiple of the period since the start, or at creation when that is later
     * (a gateway records a task when it is submitted).
     */
    private TaskState stateOf(Registered task) {
        return visibleState(task.script(), task.createdAt());
    }

    private TaskState visibleState(TaskScript script, long createdAt) {
        long now = config.clock().millis();
        long period = config.refresh().toMillis();
        long seen = period == 0 ? now : Math.max(createdAt, now - Math.floorMod(now - startedAt, period));
        return TaskState.at(script, createdAt, seen);
    }

    private boolean authorized(HttpExchange exchange) {
        String expected = expectedAuth.get();
        String given = exchange.getRequestHeaders().getFirst(config.authHeader());
        return expected == null && otherKeys.isEmpty() || Objects.equals(expected, given) || given != null && otherKeys.contains(given);
    }

    private boolean hostile(HttpExchange exchange, long arrival, String id, Faults.Hostile hostile) throws IOException {
        if (hostile != Faults.Hostile.NONE) {
            stats.faultServed(hostile.name());
        }
        switch (hostile) {
            case HUGE_BODY -> {
                byte[] huge = ("{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\",\"prompt\":\"" + "x".repeat(5_000_000) + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
                send(exchange, arrival, id, 200, huge);
            }
            case REDIRECT -> {
                exchange.getResponseHeaders().set("Location", "http://127.0.0.2:1/mj/task/" + id + "/fetch");
                send(exchange, arrival, id, 302, new byte[0]);
            }
            case RESET -> {
                stats.record(arrival, id, 0);
                // Closing without a response makes the server drop the connection.
            }
            case SILENT -> {
                while (faults.get().hostile() == Faults.Hostile.SILENT) {
                    sleep(Duration.ofMillis(50));
                }
                stats.record(arrival, id, 0);
            }
            case SLOW -> {
                sleep(Duration.ofSeconds(30));
                send(exchange, arrival, id, 200, ("{\"id\":\"" + id + "\",\"status\":\"IN_PROGRESS\"}").getBytes(StandardCharsets.UTF_8));
            }
            case HTML -> {
                exchange.getResponseHeaders().set("Content-Type", "text/html");
                send(exchange, arrival, id, 200, HTML_PAGE);
            }
            case TRUNCATED -> send(exchange, arrival, id, 200, ("{\"id\":\"" + id + "\",\"status\":\"IN_PROG").getBytes(StandardCharsets.UTF_8));
            case NOT_JSON -> send(exchange, arrival, id, 200, "upstream connect error or disconnect/reset before headers".getBytes(StandardCharsets.UTF_8));
            case NONE -> {
                return false;
            }
        }
        return true;
    }

    private void notFound(HttpExchange exchange, long arrival, String id, NotFoundStyle style) throws IOException {
        switch (style) {
            case HTTP_404 -> send(exchange, arrival, id, 404, NOT_FOUND_JSON);
            case EMPTY_200 -> send(exchange, arrival, id, 200, new byte[0]);
            case NULL_200 -> send(exchange, arrival, id, 200, "null".getBytes(StandardCharsets.UTF_8));
            case NO_CONTENT_204 -> send(exchange, arrival, id, 204, null);
            case TASK_NO_FOUND_400 -> send(exchange, arrival, id, 400, TASK_NO_FOUND_JSON);
        }
    }

    private void malformed(HttpExchange exchange, long arrival, String id) throws IOException {
        byte[] body = switch ((int) (roll() * 3)) {
            case 0 -> ("{\"id\":\"" + id + "\",\"status\":\"IN_PROG").getBytes(StandardCharsets.UTF_8);
            case 1 -> "upstream connect error or disconnect/reset before headers".getBytes(StandardCharsets.UTF_8);
            default -> HTML_PAGE;
        };
        send(exchange, arrival, id, 200, body);
    }

    private void submit(HttpExchange exchange) throws IOException {
        long arrival = System.nanoTime();
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(1024 * 1024);
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                send(exchange, arrival, null, 405, new byte[0]);
                return;
            }
            if (!authorized(exchange)) {
                send(exchange, arrival, null, 401, UNAUTHORIZED_JSON);
                return;
            }
            String id = submit(notifyHook(body));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            send(exchange, arrival, null, 200, ("{\"code\":1,\"description\":\"Submit success\",\"result\":\"" + id + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The submission's {@code notifyHook}, where it names an http(s) URL; anything else is ignored, as a proxy would. */
    private static URI notifyHook(byte[] body) {
        var matcher = NOTIFY_HOOK.matcher(new String(body, StandardCharsets.UTF_8));
        try {
            return matcher.find() ? URI.create(matcher.group(1)) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void statsPage(HttpExchange exchange) throws IOException {
        try (exchange) {
            StringBuilder json = new StringBuilder("{\"totalRequests\":").append(stats.totalRequests())
                    .append(",\"batchRequests\":").append(stats.batchRequests())
                    .append(",\"idsAsked\":").append(stats.idsAsked())
                    .append(",\"hooksSent\":").append(hooks.sent())
                    .append(",\"hooksLost\":").append(hooks.lost())
                    .append(",\"hooksFailed\":").append(hooks.failed())
                    .append(",\"maxPerSecond\":").append(stats.maxRequestsInAnyWindow(Duration.ofSeconds(1)))
                    .append(",\"byStatus\":{");
            stats.byStatus().forEach((status, count) -> json.append('"').append(status).append("\":").append(count).append(','));
            if (json.charAt(json.length() - 1) == ',') {
                json.setLength(json.length() - 1);
            }
            json.append("}}");
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            byte[] body = json.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * {@code POST /sim/faults?outage=true&errorRate=0.2&rateLimit=5&latencyMs=100&malformedRate=0.1&hostile=RESET};
     * hooks: {@code hooks=false&hookLoss=0.3&hookDelayMs=5000&hookDuplicates=0.1}.
     */
    private void faultsPage(HttpExchange exchange) throws IOException {
        try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            Faults updated = faults.get();
            HookFaults hooksUpdated = hooks.faults();
            try {
                for (String pair : query == null ? new String[0] : query.split("&")) {
                    String[] kv = pair.split("=", 2);
                    String value = kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
                    updated = switch (kv[0]) {
                        case "outage" -> updated.withOutage(Boolean.parseBoolean(value));
                        case "errorRate" -> updated.withServerErrorRate(Double.parseDouble(value));
                        case "rateLimit" -> updated.withRateLimit(Double.parseDouble(value),
                                Math.max(1, (int) Double.parseDouble(value)), updated.retryAfter());
                        case "latencyMs" -> updated.withLatency(Duration.ofMillis(Long.parseLong(value)), updated.latencyJitter());
                        case "malformedRate" -> updated.withMalformedRate(Double.parseDouble(value));
                        case "hostile" -> updated.withHostile(Faults.Hostile.valueOf(value));
                        case "hooks", "hookLoss", "hookDelayMs", "hookDuplicates" -> {
                            hooksUpdated = switch (kv[0]) {
                                case "hooks" -> hooksUpdated.withEnabled(Boolean.parseBoolean(value));
                                case "hookLoss" -> hooksUpdated.withLoss(Double.parseDouble(value));
                                case "hookDelayMs" -> hooksUpdated.withDelay(Duration.ofMillis(Long.parseLong(value)));
                                default -> hooksUpdated.withDuplicates(Double.parseDouble(value));
                            };
                            yield updated;
                        }
                        default -> throw new IllegalArgumentException("unknown fault '" + kv[0] + "'");
                    };
                }
            } catch (IllegalArgumentException e) {
                byte[] body = e.getMessage().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(400, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            faults(updated);
            hooks.faults(hooksUpdated);
            byte[] body = (updated + " " + hooksUpdated).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    void send(HttpExchange exchange, long arrival, String id, int status, byte[] body) throws IOException {
        stats.record(arrival, id, status);
        if (body == null || body.length == 0) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void delay(Faults current) {
        long millis = current.latency().toMillis();
        long jitter = current.latencyJitter().toMillis();
        if (jitter > 0) {
            millis += (long) (roll() * jitter);
        }
        if (millis > 0) {
            sleep(Duration.ofMillis(millis));
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private double roll() {
        synchronized (dice) {
            return dice.nextDouble();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        hooks.close();
    }
}
