package io.mjtracker.bench;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaFaultProxy;
import io.mjtracker.testkit.ProxiedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Two worker processes reach their broker only over a bad network (the TCP fault proxy of testkit), for
 * three minutes of faults: every answer of the broker 200 ms late throughout; each worker in turn hears no
 * answer for 30 s while its requests still arrive; each worker's result commits cut off by a connection
 * reset right after the broker got them, three times each. Requests of short tasks are produced over the
 * faults. Verdict by task id from one fresh read_committed read; also the longest time without a new result
 * while requests were open, and the workers that exited by themselves.
 */
final class FaultyNetwork {

    private static final Duration FAULTS = Duration.ofSeconds(180);
    private static final Duration SETTLE = Duration.ofMinutes(4);

    private FaultyNetwork() {}

    /** {@code runs} runs one after another; false where any failed. */
    static boolean run(int taskCount, int runs) throws Exception {
        int failed = 0;
        for (int run = 1; run <= runs; run++) {
            System.out.printf("faulty-network run %d of %d%n", run, runs);
            if (!runOnce(taskCount)) {
                failed++;
            }
        }
        System.out.printf("faulty-network: %d of %d runs held%n", runs - failed, runs);
        return failed == 0;
    }

    private static boolean runOnce(int taskCount) throws Exception {
        Path dir = Files.createTempDirectory("mj-network");
        try (ProxiedBroker proxied = ProxiedBroker.start(dir.resolve("broker"), Map.of());
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(CrashTest.MIX))) {
            String bootstrap = proxied.broker().bootstrapServers();
            KafkaFaultProxy proxy = proxied.proxy();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            proxy.latency(Duration.ofMillis(200));
            Map<String, String> env = CrashTest.workerEnv(bootstrap, simulator, "network");
            List<Process> workers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                workers.add(CrashTest.startWorker(env, dir, i));
            }
            Thread producing = Thread.ofVirtual().name("network-producer")
                    .start(() -> CrashTest.produce(bootstrap, taskCount, FAULTS.minusSeconds(30)));
            long start = System.nanoTime();
            int exitedByThemselves = 0;
            List<String> done = new ArrayList<>();
            double longestGap;
            try (var results = new LiveResults(bootstrap, "network-reader", "mj.tasks.completed", taskCount, start)) {
                long settleUntil = Long.MAX_VALUE;
                long deadline = start + FAULTS.plus(SETTLE).toNanos();
                while (System.nanoTime() < Math.min(settleUntil, deadline)) {
                    results.poll();
                    long now = System.nanoTime();
                    int second = (int) TimeUnit.NANOSECONDS.toSeconds(now - start);
                    exitedByThemselves += CrashTest.restartExited(workers, env, dir, second);
                    fault(proxy, second, done, results.answered(), taskCount);
                    if (results.answered() >= taskCount && now - start >= FAULTS.toNanos() && settleUntil == Long.MAX_VALUE) {
                        settleUntil = now + TimeUnit.SECONDS.toNanos(15); // time for a duplicate to show
                    }
                }
                longestGap = results.longestGapSeconds();
            } finally {
                CrashTest.stopAll(workers);
                producing.join();
            }
            CrashTest.Verdict verdict = CrashTest.Verdict.of(CrashTest.ids(bootstrap),
                    CrashTest.readAllResults(bootstrap, new RecordCodec()));
            System.out.printf("faulty-network: requests %d, %s; %d exited by themselves, resets done %d, answer holds %d, "
                            + "longest gap without a new result %.1f s; %d s%n", taskCount, verdict, exitedByThemselves,
                    proxy.resetsDone(), done.stream().filter(fault -> fault.startsWith("hold")).count(), longestGap,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
            return verdict.held(exitedByThemselves, dir);
        }
    }

    /** A fault of the plan: when, by seconds since the start, and what it does to the proxy. */
    private record Fault(int at, String name, Consumer<KafkaFaultProxy> action) {}

    /** A worker deaf for 30 s, then the other's commits reset, then the other way round. */
    private static final List<Fault> PLAN = List.of(
            new Fault(30, "hold worker 0", proxy -> proxy.holdResponsesNow("crash-worker-0", Duration.ofSeconds(30))),
            new Fault(45, "reset worker 1", proxy -> proxy.resetAfter("crash-worker-1-results", KafkaFaultProxy.END_TXN, 3)),
            new Fault(100, "hold worker 1", proxy -> proxy.holdResponsesNow("crash-worker-1", Duration.ofSeconds(30))),
            new Fault(115, "reset worker 0", proxy -> proxy.resetAfter("crash-worker-0-results", KafkaFaultProxy.END_TXN, 3)));

    /** Applies each fault of the plan that is due and not in {@code done} yet, and adds it there. */
    private static void fault(KafkaFaultProxy proxy, int second, List<String> done, int results, int taskCount) {
        for (Fault fault : PLAN) {
            if (second >= fault.at() && !done.contains(fault.name())) {
                fault.action().accept(proxy);
                done.add(fault.name());
                System.out.printf("  %3ds: %s; %d/%d results%n", second, fault.name(), results, taskCount);
            }
        }
    }
}
