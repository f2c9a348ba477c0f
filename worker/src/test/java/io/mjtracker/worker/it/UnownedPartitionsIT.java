package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import io.mjtracker.testkit.KafkaBrokerExtension;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Input partitions that no member of a stable group owns, as a cooperative rebalance whose second round
 * never came leaves them: nobody reads them and nothing rebalances the group by itself. Here the group's
 * leader is a plain consumer whose assignor hands out only one partition while {@link #STARVING} holds,
 * and a proper assignment after (as a real group would in its next round): the worker, a static member,
 * must see the others unowned and start that next round itself, then answer the requests waiting there.
 */
@ExtendWith({KafkaBrokerExtension.class, SimulatorExtension.class})
class UnownedPartitionsIT {

    /** While set, the leader's assignor gives partition 0 to itself and nothing to anyone else. */
    static final AtomicBoolean STARVING = new AtomicBoolean(true);

    private final KafkaBroker broker;
    private final RecordCodec codec = new RecordCodec();

    UnownedPartitionsIT(KafkaBroker broker) {
        this.broker = broker;
    }

    @Test
    void partitionsNoMemberOwnsAreAssignedAgainByARebalanceTheWorkerStarts(UpstreamSimulator simulator) throws Exception {
        STARVING.set(true);
        TestTopics topics = new TestTopics(broker);
        topics.create(4);
        try (KafkaConsumer<byte[], byte[]> leader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topics.group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, StarvingAssignor.class.getName()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            leader.subscribe(List.of(topics.input));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                leader.poll(Duration.ofMillis(100));
                return leader.assignment().equals(Set.of(new TopicPartition(topics.input, 0)));
            });
            Map<String, String> env = topics.workerEnv(simulator);
            env.put("TRACKER_INSTANCE_ID", "pod-a");
            List<String> ids = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(200)));
                ids.add(id);
                records.add(new ProducerRecord<>(topics.input, 1 + i % 3, id.getBytes(), id.getBytes()));
            }
            try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
                // The worker joins; the leader's round leaves partitions 1-3 with nobody, and the group is stable.
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        leader.poll(Duration.ofMillis(100));
                        var group = admin.describeConsumerGroups(List.of(topics.group)).all().get().get(topics.group);
                        return group.groupState() == GroupState.STABLE && group.members().size() == 2;
                    });
                }
                assertThat(gauge(worker, "mjtracker.partitions.assigned")).as("the worker owns nothing").isZero();
                topics.produceRecords(records);
                // From now on a round assigns every partition, but nothing starts one but the worker.
                STARVING.set(false);
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    leader.poll(Duration.ofMillis(100));
                    return counter(worker, "mjtracker.group.rebalances.forced") >= 1 && gauge(worker, "mjtracker.partitions.assigned") > 0;
                });
                var results = topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ofSeconds(1));
                assertThat(results.stream().map(r -> codec.readFinalResult(r.value()).taskId()))
                        .as("every request on the partitions nobody owned, answered once").containsExactlyInAnyOrderElementsOf(ids);
                assertThat(counter(worker, "mjtracker.group.rebalances.forced")).as("one round started, not one per look").isEqualTo(1);
            }
        }
    }

    private static double gauge(Worker worker, String name) {
        var gauge = worker.registry().find(name).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private static double counter(Worker worker, String name) {
        FunctionCounter counter = worker.registry().find(name).functionCounter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Cooperative sticky by its protocol name, so that the worker joins its group: the leader (the member
     * without an instance id) keeps partition 0; every other partition goes to the other member, or, while
     * {@link #STARVING}, to nobody.
     */
    public static final class StarvingAssignor extends CooperativeStickyAssignor {
        @Override
        public GroupAssignment assign(Cluster metadata, GroupSubscription subscriptions) {
            Map<String, Assignment> assignment = new java.util.HashMap<>();
            subscriptions.groupSubscription().forEach((member, subscription) -> {
                String topic = subscription.topics().getFirst();
                List<TopicPartition> partitions = new ArrayList<>();
                if (subscription.groupInstanceId().isEmpty()) {
                    partitions.add(new TopicPartition(topic, 0));
                } else if (!STARVING.get()) {
                    for (int partition = 1; partition < metadata.partitionCountForTopic(topic); partition++) {
                        partitions.add(new TopicPartition(topic, partition));
                    }
                }
                assignment.put(member, new Assignment(partitions));
            });
            return new GroupAssignment(assignment);
        }
    }
}
