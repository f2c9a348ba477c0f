package io.mjtracker.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.config.UpstreamProfile;
import io.mjtracker.worker.config.UpstreamSettings;
import io.mjtracker.worker.config.WorkerConfig;
import io.mjtracker.worker.hooks.HintCodec;
import io.mjtracker.worker.hooks.HintListener;
import io.mjtracker.worker.hooks.HintPublisher;
import io.mjtracker.worker.hooks.HookReceiver;
import io.mjtracker.worker.hooks.HookTokens;
import io.mjtracker.worker.intake.BudgetShare;
import io.mjtracker.worker.intake.ConsumerPartitionCount;
import io.mjtracker.worker.intake.DeadLetterReason;
import io.mjtracker.worker.intake.GroupCoverage;
import io.mjtracker.worker.intake.HangingTransactions;
import io.mjtracker.worker.intake.MissedAbortMarkers;
import io.mjtracker.worker.intake.WrittenPartitions;
import io.mjtracker.worker.intake.IntakeLoop;
import io.mjtracker.worker.intake.RequestParser;
import io.mjtracker.worker.intake.TransactionBounds;
import io.mjtracker.worker.metrics.HealthState;
import io.mjtracker.worker.metrics.HookMetrics;
import io.mjtracker.worker.metrics.MeterBinders;
import io.mjtracker.worker.metrics.MetricsServer;
import io.mjtracker.worker.metrics.TrackerMetrics;
import io.mjtracker.worker.publish.KafkaClientSettings;
import io.mjtracker.worker.publish.KafkaStatusPublisher;
import io.mjtracker.worker.publish.ResultPublisher;
import io.mjtracker.worker.publish.TopicProvisioner;
import io.mjtracker.worker.tracking.Lane;
import io.mjtracker.worker.tracking.PollCadence;
import io.mjtracker.worker.tracking.Tracker;
import io.mjtracker.worker.upstream.BatchSupport;
import io.mjtracker.worker.upstream.HttpTransports;
import io.mjtracker.worker.upstream.HttpUpstreamClient;
import io.mjtracker.worker.upstream.ResponseClassifier;
import io.mjtracker.worker.upstream.ResponseMemory;
import io.mjtracker.worker.upstream.UnavailabilityClock;
import io.mjtracker.worker.upstream.UpstreamClient;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component from the configuration, starts them in order and
 * closes them in reverse. {@code Main} runs one; tests and the local run start several in one JVM.
 */
public final class Worker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);
    /**
     * A commit the broker answers about settles within seconds, or its transaction times out (10 s) and the
     * producer is replaced; one in doubt for this long while the broker answers is a producer that cannot
     * settle: liveness fails and the orchestrator restarts the worker.
     */
    private static final Duration IN_DOUBT_LIMIT = Duration.ofMinutes(2);
    /** How long a look for transactions left open waits for the cluster's answers. */
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    /** The largest hook body read: a task's JSON is a few KB, its prompt and buttons included. */
    private static final int HOOK_MAX_BODY_BYTES = 1024 * 1024;

    private final WorkerConfig config;
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final PrometheusMeterRegistry registry;
    private IntakeLoop intake;
    private Thread intakeThread;
    private MetricsServer metricsServer;
    private HookReceiver hookReceiver;

    private Worker(WorkerConfig config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(List.of(Tag.of("application", "mj-tracker")));
    }

    /**
     * Checks Kafka, creates missing topics, and starts tracking.
     *
     * @throws IllegalStateException where Kafka cannot be reached or the topics cannot be created
     */
    public static Worker start(WorkerConfig config) {
        Worker worker = new Worker(config);
        try {
            Clock wall = Clock.systemUTC();
            worker.startComponents(MonotonicClock.startingAt(wall), wall);
            return worker;
        } catch (RuntimeException e) {
            worker.closeResources();
            throw e;
        }
    }

    /**
     * @param clock every interval the worker measures: a step of the host's time does not move it
     * @param wall what users read as time (result and status timestamps, HTTP dates, the broker's timestamps)
     */
    private void startComponents(Clock clock, Clock wall) {
        var kafka = config.kafka();
        var clients = new KafkaClientSettings(kafka);
        // Waits up to five minutes for an absent broker: a worker restarted during a broker outage starts
        // when the broker returns, rather than exiting into a crash loop.
        String hintsTopic = config.hooksEnabled() ? config.hooks().hintsTopic() : null;
        new TopicProvisioner(kafka, clients.admin(), Duration.ofSeconds(30), Duration.ofMinutes(5), hintsTopic).ensureTopics();

        ObjectMapper mapper = new ObjectMapper();
        TaskCodec taskCodec = new TaskCodec();
        RecordCodec recordCodec = new RecordCodec();
        HealthState health = new HealthState(clock);

        TrackerMetrics metrics = new TrackerMetrics(registry, DeadLetterReason.tags(), config.upstreams().stream()
                .collect(Collectors.toMap(UpstreamProfile::name, UpstreamProfile::metricsTag)));
        HookMetrics hookMetrics = new HookMetrics(registry, config.upstreams().stream().filter(UpstreamProfile::hooked)
                .collect(Collectors.toMap(UpstreamProfile::name, UpstreamProfile::metricsTag)));
        var statusProducer = new KafkaProducer<byte[], byte[]>(clients.statusProducer());
        KafkaStatusPublisher statusPublisher =
                new KafkaStatusPublisher(statusProducer, kafka.topics().status(), recordCodec, metrics::statusFailed);
        resources.push(statusPublisher);
        statusPublisher.start(Duration.ofSeconds(30));
        Admin admin = Admin.create(clients.admin());
        resources.push(admin);
        WrittenPartitions written = new WrittenPartitions(admin, kafka.groupId(),
                List.of(kafka.topics().completed(), kafka.topics().deadLetter(), kafka.topics().input()), ADMIN_TIMEOUT);
        MissedAbortMarkers abortCheck = new MissedAbortMarkers(admin, written, clients.transactionalId(), clock);
        resources.push(abortCheck);
        ResultPublisher results = new ResultPublisher(() -> new KafkaProducer<>(clients.resultProducer()),
                kafka.topics(), recordCodec, clients.maxRequestBytes(), abortCheck);
        resources.push(results);
        results.start(Duration.ofMinutes(5));

        // Every lane's sync-tick search (tens of milliseconds each) runs here, never on the tracker thread.
        ExecutorService learning = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("refresh-learning").daemon().factory());
        resources.push(learning::shutdownNow);
        HttpTransports transports = new HttpTransports(config.egress(), ResponseMemory.quarterOfHeap());
        resources.push(transports);
        List<Lane> lanes = new ArrayList<>();
        // Resilience4j tags its meters by profile name: bound only for profiles not grouped under a shared tag.
        List<UpstreamGuard> namedGuards = new ArrayList<>();
        Map<String, UnavailabilityClock> unavailability = new HashMap<>();
        var consumer = new KafkaConsumer<byte[], byte[]>(clients.consumer());
        BudgetShare budget = new BudgetShare(new ConsumerPartitionCount(consumer, kafka.topics().input()), clock);
        for (UpstreamProfile profile : config.upstreams()) {
            UpstreamSettings upstream = profile.upstream();
            UpstreamClient client = new HttpUpstreamClient(upstream,
                    new ResponseClassifier(taskCodec, upstream.apiKey(), wall), transports);
            resources.push(client);
            UpstreamGuard guard = new UpstreamGuard(profile.name(), profile.resilience(), clock, System::nanoTime);
            budget.follow(profile.resilience().ratePerSecond(), guard::shareRate);
            unavailability.put(profile.name(), guard.unavailability());
            if (profile.metricsTag().equals(profile.name())) {
                namedGuards.add(guard);
            }
            lanes.add(new Lane(profile.name(), client, guard,
                    new BatchSupport(profile.name(), upstream.batchMode(), upstream.batchMaxIds(), clock),
                    upstream.learnRefresh(), learning, config.tracking().maxPollGap(),
                    profile.hooked() ? config.hooks().safetyGap() : null));
        }
        Tracker tracker = new Tracker(config.tracking(), lanes, new PollCadence(new Random(), config.tracking().cadenceScale()),
                statusPublisher, metrics, hookMetrics, clock, wall);
        resources.push(tracker);
        RequestParser parser = new RequestParser(mapper,
                config.upstreams().stream().map(UpstreamProfile::name).collect(Collectors.toSet()));
        intake = new IntakeLoop(kafka, config.tracking(), consumer, results, tracker, parser,
                metrics, health, unavailability, clock, config.shutdownTimeout(), clients.maxPollRecords(), budget,
                TransactionBounds.forBuffer(clients.resultBufferBytes()));
        metrics.gauges(intake::assignedPartitions, intake::pausedPartitions, intake::pendingResults);
        IntakeLoop stalls = intake;
        metrics.stallGauges(() -> stalls.inDoubtMillis() / 1000.0, stalls::partitionsAwaitingOffsets,
                () -> stalls.longestOffsetWaitMillis() / 1000.0, stalls::windowFullPartitions);
        metrics.capGauges(config.tracking().maxInFlight(), stalls::openRequests, () -> stalls.heldAtCap() ? 1 : 0);
        metrics.upstreamGauges(lanes);
        HangingTransactions hanging = new HangingTransactions(admin, written,
                clients.transactionalIdPrefix(), clients.transactionalId(), stalls::longestOffsetWaitMillis, wall);
        resources.push(hanging);
        metrics.hangingTransactions(hanging::unresolved, () -> hanging.aborted() + abortCheck.aborted());
        // Before intake starts: the first transaction must not join a hanging one of this worker's producer.
        hanging.start();
        GroupCoverage coverage = new GroupCoverage(admin, kafka.groupId(), kafka.topics().input(),
                kafka.staticMembership() ? Optional.of(kafka.instanceId()) : Optional.empty(), clock);
        resources.push(coverage);
        metrics.groupCoverage(coverage::unowned, coverage::rebalancesForced);
        coverage.start();
        MeterBinders binders = new MeterBinders(registry, namedGuards, consumer, List.of(statusProducer), results.producer());
        resources.push(binders);
        results.onReplacement(binders::resultProducerReplaced);
        if (config.metricsPort() >= 0) {
            metricsServer = MetricsServer.start(config.metricsPort(), registry, health);
            resources.push(metricsServer);
        }

        tracker.start();
        health.watch(tracker::alive);
        if (config.hooksEnabled()) {
            startHooks(clients, hookMetrics, taskCodec, mapper, tracker, wall);
        }
        intakeThread = Thread.ofPlatform().name("intake").uncaughtExceptionHandler((thread, error) -> {
            failure.set(error);
            LOG.error("intake stopped on an unrecoverable error; the worker exits and a restart resumes from committed offsets", error);
        }).start(intake);
        health.watch(intakeThread::isAlive);
        health.watchSettling(intake::inDoubtMillis, IN_DOUBT_LIMIT);
        for (UpstreamProfile profile : config.upstreams()) {
            LOG.info("upstream '{}': {}, group rate limit {}/s", profile.name(), profile.upstream().baseUrl(),
                    profile.resilience().ratePerSecond());
        }
        LOG.info("mj-tracker started: group {}, input {}, {} upstream profile(s), metrics port {}",
                kafka.groupId(), kafka.topics().input(), config.upstreams().size(),
                metricsServer == null ? "off" : metricsServer.port());
    }

    /**
     * Reads every instance's hints for this one's tasks, and receives hooks where the port is not disabled:
     * after the tracker has started, so that no hint waits for it.
     */
    private void startHooks(KafkaClientSettings clients, HookMetrics hookMetrics, TaskCodec taskCodec, ObjectMapper mapper,
            Tracker tracker, Clock wall) {
        HintCodec hintCodec = new HintCodec(mapper);
        HintListener listener = new HintListener(new KafkaConsumer<>(clients.hintConsumer()), config.hooks().hintsTopic(),
                hintCodec, tracker::hint);
        resources.push(listener);
        listener.start();
        if (config.hooks().port() < 0) {
            return;
        }
        HintPublisher publisher = new HintPublisher(new KafkaProducer<>(clients.hintProducer()), config.hooks().hintsTopic(), hintCodec);
        resources.push(publisher);
        hookReceiver = HookReceiver.start(config.hooks().port(), new HookTokens(config.upstreams().stream()
                        .filter(UpstreamProfile::hooked).collect(Collectors.toMap(UpstreamProfile::name, UpstreamProfile::hookToken))),
                config.hooks().ratePerSource(), HOOK_MAX_BODY_BYTES, taskCodec, publisher, hookMetrics, wall, System::nanoTime);
        resources.push(hookReceiver);
        LOG.info("receiving hooks on port {} for upstream profile(s) {}", hookReceiver.port(), config.upstreams().stream()
                .filter(UpstreamProfile::hooked).map(UpstreamProfile::name).toList());
    }

    /** The port receiving hooks, or -1 where no profile takes hooks or the receiver is disabled. */
    public int hookPort() {
        return hookReceiver == null ? -1 : hookReceiver.port();
    }

    /** The port serving /metrics, or -1 where disabled. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** The registry behind /metrics. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Blocks until the worker stops; returns the error that stopped it, or null after a clean stop. */
    public Throwable awaitStop() throws InterruptedException {
        intakeThread.join();
        return failure.get();
    }

    /** Stops intake, lets outstanding requests finish, commits, and closes everything within the shutdown timeout. */
    @Override
    public void close() {
        if (intake != null) {
            intake.stop();
            try {
                intakeThread.join(config.shutdownTimeout().plusSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeResources();
    }

    private void closeResources() {
        while (!resources.isEmpty()) {
            AutoCloseable resource = resources.pop();
            try {
                resource.close();
            } catch (Exception e) { // AutoCloseable.close declares Exception; keep closing the rest
                LOG.warn("error closing {}: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
        registry.close();
    }
}
