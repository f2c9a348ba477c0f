package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaCluster;
import io.mjtracker.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On a cluster laid out as production runs it (three brokers, three replicas, {@code min.insync.replicas=2},
 * {@code acks=all}), the brokers that matter to the workers are stopped one after another while they track
 * tasks and take new ones: the leader of an input partition, the transaction coordinator of one worker's
 * transactional id, the group coordinator. Each role moves to another broker; every request is answered
 * exactly once, none is lost, and neither worker exits.
 */
@ExtendWith(SimulatorExtension.class)
class ClusterFailoverIT {

    private static final int WAVE = 120;
    private final RecordCodec codec = new RecordCodec();

    @Test
    void theLeaderTheTransactionCoordinatorAndTheGroupCoordinatorStoppedInTurnLoseAndRepeatNothing(UpstreamSimulator simulator)
            throws Exception {
        try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.startThreeBrokers(Map.of());
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            TestTopics topics = new TestTopics(cluster);
            topics.create(4, (short) 3);
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("METRICS_PORT", "0");
            // Small caps, so the workers go on taking requests from Kafka through every stop instead of holding them all.
            env.put("TRACKER_MAX_IN_FLIGHT", "40");
            List<String> ids = new ArrayList<>();
            // Tasks that outlast all three stops: their requests stay open across every move.
            List<String> wave = tasks(simulator, WAVE, Duration.ofSeconds(1));
            wave.addAll(simulator.createTasks(6, TaskScript.succeedsAfter(Duration.ZERO, Duration.ofSeconds(45))));

            try (Worker first = Workers.start(env, topics.prefix + "-a");
                    Worker second = Workers.start(env, topics.prefix + "-b")) {
                String transactionalId = "mj-tracker-" + topics.group + "-" + topics.prefix + "-a";
                ids.addAll(wave);
                topics.produceIds(wave);
                IntSupplier published = () -> topics.readAll(topics.completed, Duration.ofSeconds(30)).size();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> published.getAsInt() >= 60);

                stopWhileTracking(cluster, "the leader of input partition 0", () -> leaderOf(admin, topics.input, 0),
                        topics, simulator, ids, published);
                awaitFullyReplicated(admin, topics);
                stopWhileTracking(cluster, "the transaction coordinator of worker a",
                        () -> admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get().coordinatorId(),
                        topics, simulator, ids, published);
                awaitFullyReplicated(admin, topics);
                stopWhileTracking(cluster, "the group coordinator",
                        () -> admin.describeConsumerGroups(List.of(topics.group)).describedGroups().get(topics.group).get().coordinator().id(),
                        topics, simulator, ids, published);

                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(120), Duration.ofSeconds(3));
                Map<String, Long> perRequest = results.stream().map(r -> codec.readFinalResult(r.value()))
                        .collect(Collectors.groupingBy(r -> r.request().partition() + ":" + r.request().offset(), Collectors.counting()));
                assertThat(perRequest.values()).as("no request has two results").allMatch(count -> count == 1);
                assertThat(results.stream().map(r -> codec.readFinalResult(r.value())).map(FinalResult::taskId).distinct())
                        .as("lost: none").hasSize(ids.size());
                assertThat(perRequest).as("every request has its result").hasSize(ids.size());
                assertThat(Workers.live(first)).as("the first worker never exited").isEqualTo(200);
                assertThat(Workers.live(second)).as("the second worker never exited").isEqualTo(200);
            }
        }
    }

    /**
     * Stops the broker that holds {@code role}, hands the workers a new wave of requests while it is away,
     * waits until results go on being published without it and the role has moved, and starts it again.
     */
    private void stopWhileTracking(EmbeddedKafkaCluster cluster, String role, Callable<Integer> holder, TestTopics topics,
            UpstreamSimulator simulator, List<String> ids, IntSupplier published) throws Exception {
        int broker = holder.call();
        int before = published.getAsInt();
        cluster.stopBroker(broker);
        List<String> wave = tasks(simulator, WAVE, Duration.ofSeconds(1));
        ids.addAll(wave);
        topics.produceIds(wave);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .until(() -> published.getAsInt() >= before + WAVE / 2);
        // Held by one of the running brokers: not the stopped one, and not nobody (-1).
        Set<Integer> running = new HashSet<>(cluster.brokerIds());
        running.remove(broker);
        assertThat(holder.call()).as("%s, broker %s while it is stopped", role, broker).isIn(running);
        cluster.startBroker(broker);
    }

    private static List<String> tasks(UpstreamSimulator simulator, int count, Duration runMin) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, runMin.plusMillis(i % 8 * 250L))));
        }
        return ids;
    }

    private static int leaderOf(Admin admin, String topic, int partition) throws InterruptedException, ExecutionException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(partition).leader().id();
    }

    /** Until every partition of the test's topics and of Kafka's internal topics has all three replicas in sync again. */
    private static void awaitFullyReplicated(Admin admin, TestTopics topics) {
        List<String> names = List.of(topics.input, topics.status, topics.completed, topics.deadLetter,
                "__consumer_offsets", "__transaction_state");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
            return described.values().stream().flatMap(description -> description.partitions().stream())
                    .mapToInt((TopicPartitionInfo info) -> info.isr().size()).allMatch(isr -> isr == 3);
        });
    }
}
