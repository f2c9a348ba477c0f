package io.mjtracker.bench;

import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.StandaloneCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ElectionNotNeededException;

/**
 * {@code bench/run cluster-chaos [n] [seconds]}: three brokers in processes of their own (three replicas,
 * {@code min.insync.replicas=2}), three worker processes, n requests produced over the faults. For
 * {@code seconds}: a broker killed with kill -9 every 20-40 s and started again 10-15 s later (never two
 * down at once), a worker killed every 15-25 s, the leaders of the results topic moved once, and a rolling
 * restart of all three brokers one by one as an operator's upgrade does (each back in sync before the next).
 * The verdict comes from one fresh read_committed read, by task id: duplicates, lost, a result naming
 * another request, workers that exited by themselves, and the longest time no result was published while
 * requests were open. Returns false on any lost or duplicated result or a worker that exited by itself.
 */
final class ClusterChaos {

    private static final String RESULTS = "mj.tasks.completed";

    private ClusterChaos() {}

    static boolean run(int taskCount, Duration faultsFor) throws Exception {
        Path dir = Files.createTempDirectory("mj-cluster-chaos");
        Random random = new Random(System.nanoTime());
        try (StandaloneCluster cluster = new StandaloneCluster(dir.resolve("cluster"));
                UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(CrashTest.MIX));
                Admin admin = Admin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("mj.tasks", 12, (short) 3))).all().get(120, TimeUnit.SECONDS);
            Map<String, String> env = CrashTest.workerEnv(cluster.bootstrapServers(), simulator, "chaos");
            env.put("TRACKER_TOPIC_REPLICATION", "3");
            env.put("KAFKA_SESSION_TIMEOUT_MS", "10000");
            env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "2000");
            Thread producing = Thread.ofVirtual().name("chaos-producer")
                    .start(() -> CrashTest.produce(cluster.bootstrapServers(), taskCount, faultsFor.minusSeconds(20)));
            return drive(taskCount, faultsFor, cluster, admin, env, dir, random, producing);
        }
    }

    private static boolean drive(int taskCount, Duration faultsFor, StandaloneCluster cluster, Admin admin, Map<String, String> env,
            Path dir, Random random, Thread producing) throws Exception {
        List<Process> workers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            workers.add(CrashTest.startWorker(env, dir, i));
        }
        long start = System.nanoTime();
        long faultsUntil = start + faultsFor.toNanos();
        long deadline = faultsUntil + TimeUnit.MINUTES.toNanos(6);
        int rollingAt = (int) (faultsFor.toSeconds() * 6 / 10);
        int leadersMoveAt = (int) (faultsFor.toSeconds() * 3 / 10);
        long nextBrokerKill = start + TimeUnit.SECONDS.toNanos(20 + random.nextInt(20));
        long nextWorkerKill = start + TimeUnit.SECONDS.toNanos(15 + random.nextInt(10));
        int downBroker = -1;
        long downUntil = 0;
        Thread rolling = null;
        boolean leadersMoved = false;
        int brokerKills = 0;
        int workerKills = 0;
        int exitedByThemselves = 0;
        double longestGap;
        try (var results = new LiveResults(cluster.bootstrapServers(), "chaos-reader", RESULTS, taskCount, start)) {
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(settleUntil, deadline)) {
                results.poll();
                long now = System.nanoTime();
                int second = (int) TimeUnit.NANOSECONDS.toSeconds(now - start);
                exitedByThemselves += CrashTest.restartExited(workers, env, dir, second);
                boolean faulting = now < faultsUntil;
                if (faulting && now >= nextWorkerKill) {
                    int victim = random.nextInt(workers.size());
                    workers.get(victim).destroyForcibly().waitFor();
                    workers.set(victim, CrashTest.startWorker(env, dir, victim));
                    workerKills++;
                    System.out.printf("  %3ds: kill -9 worker %d, started again; %d/%d results%n", second, victim, results.answered(), taskCount);
                    nextWorkerKill = now + TimeUnit.SECONDS.toNanos(15 + random.nextInt(10));
                }
                if (downBroker >= 0 && now >= downUntil) {
                    cluster.start(downBroker);
                    System.out.printf("  %3ds: broker %d started again%n", second, StandaloneCluster.brokerId(downBroker));
                    downBroker = -1;
                }
                boolean rollingNow = rolling != null && rolling.isAlive();
                // From the rolling restart's time on, no kill until it is done: it needs all three brokers in sync to begin.
                boolean killsAllowed = !rollingNow && (rolling != null || second < rollingAt);
                if (faulting && downBroker < 0 && killsAllowed && now >= nextBrokerKill && fullyReplicated(admin)) {
                    downBroker = random.nextInt(StandaloneCluster.SIZE);
                    cluster.kill(downBroker);
                    brokerKills++;
                    downUntil = now + TimeUnit.SECONDS.toNanos(10 + random.nextInt(6));
                    nextBrokerKill = now + TimeUnit.SECONDS.toNanos(20 + random.nextInt(20));
                    System.out.printf("  %3ds: kill -9 broker %d; %d/%d results%n", second, StandaloneCluster.brokerId(downBroker),
                            results.answered(), taskCount);
                }
                if (faulting && !leadersMoved && second >= leadersMoveAt && downBroker < 0 && !rollingNow && fullyReplicated(admin)) {
                    moveLeaders(admin);
                    leadersMoved = true;
                    System.out.printf("  %3ds: leaders of %s moved to other replicas%n", second, RESULTS);
                }
                if (faulting && rolling == null && second >= rollingAt && downBroker < 0 && fullyReplicated(admin)) {
                    // Beside the reading, so that results published meanwhile are seen when they are.
                    rolling = Thread.ofVirtual().name("rolling-restart").start(() -> rollingRestart(cluster, admin, start));
                }
                if (results.answered() >= taskCount && !producing.isAlive() && now >= faultsUntil && settleUntil == Long.MAX_VALUE) {
                    settleUntil = now + TimeUnit.SECONDS.toNanos(15);
                }
            }
            longestGap = results.longestGapSeconds();
        } finally {
            CrashTest.stopAll(workers);
        }
        producing.join();
        if (rolling != null) {
            rolling.join();
        }
        RecordCodec codec = new RecordCodec();
        CrashTest.Verdict verdict = CrashTest.Verdict.of(CrashTest.ids(cluster.bootstrapServers()),
                CrashTest.readAllResults(cluster.bootstrapServers(), codec));
        System.out.printf("cluster-chaos: requests %d, %s, %d exited by themselves; %d kill -9 of brokers, %d of workers, "
                        + "rolling restart %s, leaders moved %s; longest gap without a new result %.1f s; %d s%n",
                taskCount, verdict, exitedByThemselves, brokerKills, workerKills, rolling != null ? "done" : "not reached",
                leadersMoved ? "yes" : "no", longestGap, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        return verdict.held(exitedByThemselves, dir);
    }

    /** Each broker in turn: a clean stop, a start, and back in every partition's in-sync replicas before the next. */
    private static void rollingRestart(StandaloneCluster cluster, Admin admin, long start) {
        try {
            restartEach(cluster, admin, start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            throw new UncheckedIOException("a broker did not start again", e);
        }
    }

    private static void restartEach(StandaloneCluster cluster, Admin admin, long start) throws InterruptedException, IOException {
        for (int node = 0; node < StandaloneCluster.SIZE; node++) {
            long began = System.nanoTime();
            cluster.stop(node);
            cluster.start(node);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!fullyReplicated(admin) && System.nanoTime() < deadline) {
                Thread.sleep(1000);
            }
            System.out.printf("  %3ds: rolling restart: broker %d stopped, started and in sync again in %.1f s%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start), StandaloneCluster.brokerId(node),
                    (System.nanoTime() - began) / 1e9);
        }
    }

    /** Every partition of every topic with all three replicas in sync (false while the cluster cannot say). */
    private static boolean fullyReplicated(Admin admin) {
        try {
            Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                    .names().get(10, TimeUnit.SECONDS);
            Collection<TopicDescription> described = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values();
            return described.stream().flatMap(description -> description.partitions().stream())
                    .allMatch(partition -> partition.isr().size() == StandaloneCluster.SIZE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Puts another replica first in every results partition and elects it: every leader of the topic moves. */
    private static void moveLeaders(Admin admin) throws Exception {
        TopicDescription results = admin.describeTopics(List.of(RESULTS)).allTopicNames().get(30, TimeUnit.SECONDS).get(RESULTS);
        Map<TopicPartition, Optional<NewPartitionReassignment>> reassignments = new HashMap<>();
        for (var partition : results.partitions()) {
            List<Integer> replicas = new ArrayList<>(partition.replicas().stream().map(Node::id).toList());
            Collections.rotate(replicas, -1);
            reassignments.put(new TopicPartition(RESULTS, partition.partition()), Optional.of(new NewPartitionReassignment(replicas)));
        }
        admin.alterPartitionReassignments(reassignments).all().get(60, TimeUnit.SECONDS);
        Thread.sleep(2000);
        try {
            admin.electLeaders(ElectionType.PREFERRED, reassignments.keySet()).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // Partitions whose new first replica already leads need no election; any other failure is the bench's.
            if (!(e.getCause() instanceof ElectionNotNeededException)) {
                throw e;
            }
        }
    }
}
