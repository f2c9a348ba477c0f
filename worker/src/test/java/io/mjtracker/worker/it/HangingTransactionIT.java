package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionCounter;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hanging transaction on the group's offsets (KIP-664): a transactional offset commit of a worker's
 * producer that landed on {@code __consumer_offsets} with no transaction around it at its coordinator, so
 * that nothing ever ends it and the broker withholds the group's committed offsets for good. In the field
 * it came of a broker restart during worker churn, one run in six; here it is written on purpose, as the
 * late commit of the worker's own producer at its last epoch, to a broker that does not verify
 * transactions (the only way a test can place one). The worker must answer every request anyway: the
 * partitions the open transaction does not cover at once, the covered one once it has aborted it.
 */
@ExtendWith(SimulatorExtension.class)
class HangingTransactionIT {

    /** Only a broker that does not verify transactional writes takes the late commit a test writes on purpose. */
    private static final Map<String, String> UNVERIFIED = Map.of("transaction.partition.verification.enable", "false");
    private final RecordCodec codec = new RecordCodec();

    @Test
    void aHangingTransactionOfTheWorkersOwnProducerIsAbortedBeforeItsFirstCommit(UpstreamSimulator simulator) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(null, UNVERIFIED)) {
            TestTopics topics = new TestTopics(broker);
            topics.create(2);
            Map<String, String> env = withInstance(topics.workerEnv(simulator), "pod-a");
            List<String> before = runOnce(simulator, topics, env);
            leaveHangingTransaction(broker, topics, transactionalId(topics, "pod-a"), new TopicPartition(topics.input, 0));

            List<String> after = tasks(simulator, 20);
            topics.produceIds(after);
            try (Worker restarted = Worker.start(WorkerConfigLoader.load(env))) {
                assertThat(counter(restarted, "mjtracker.hanging.transactions.aborted"))
                        .as("aborted at start: its first transaction would have joined it and committed its stale offset")
                        .isEqualTo(1);
                assertEveryRequestAnsweredOnce(topics, before, after);
            }
        }
    }

    /**
     * What a single broker's controlled shutdown leaves when a transaction ends while its partitions have no
     * leader: the transaction open, without markers, on the group's offsets and on the results partition it
     * wrote. Aborted on the offsets alone, the restarted worker's next transaction on that results partition
     * would join it and commit the result it holds, beside the same request's result published again.
     */
    @Test
    void aHangingTransactionOnAResultsPartitionIsAbortedThereTooBeforeTheWorkersFirstCommit(UpstreamSimulator simulator) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(null, UNVERIFIED)) {
            TestTopics topics = new TestTopics(broker);
            topics.create(2);
            Map<String, String> env = withInstance(topics.workerEnv(simulator), "pod-a");
            List<String> before = runOnce(simulator, topics, env);
            String transactionalId = transactionalId(topics, "pod-a");
            leaveHangingTransaction(broker, topics, transactionalId, new TopicPartition(topics.input, 0));
            // The same transaction's result on a results partition: one already published, as a request redone
            // after an aborted transaction publishes it again.
            var published = topics.read(topics.completed, 1, Duration.ofSeconds(10), Duration.ZERO).getFirst();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                TransactionDescription producer = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
                TopicPartition results = new TopicPartition(topics.completed, published.partition());
                writeTransactionalRecord(broker, transactionalId, producer.producerId(), (short) producer.producerEpoch(),
                        results, published.key(), published.value());
                assertThat(admin.describeProducers(List.of(results)).partitionResult(results).get().activeProducers())
                        .as("the hanging transaction is open on the results partition too")
                        .anyMatch(state -> state.producerId() == producer.producerId() && state.currentTransactionStartOffset().isPresent());
            }

            List<String> after = tasks(simulator, 20);
            topics.produceIds(after);
            try (Worker restarted = Worker.start(WorkerConfigLoader.load(env))) {
                assertEveryRequestAnsweredOnce(topics, before, after);
                assertThat(counter(restarted, "mjtracker.hanging.transactions.aborted"))
                        .as("aborted at start on both partitions it is open on").isEqualTo(2);
            }
        }
    }

    @Test
    void aHangingTransactionOfAnotherWorkerHoldsOnlyItsPartitionAndOnlyUntilItIsAborted(UpstreamSimulator simulator) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(null, UNVERIFIED)) {
            TestTopics topics = new TestTopics(broker);
            topics.create(2);
            // Dynamic members (no instance id): the first leaves the group when it stops, so the next one is
            // assigned at once instead of after the first one's session timeout.
            List<String> before = runOnce(simulator, topics, dynamic(topics.workerEnv(simulator)));
            String gone = onlyTransactionalId(broker, topics);
            TopicPartition stuck = new TopicPartition(topics.input, 0);
            leaveHangingTransaction(broker, topics, gone, stuck);
            // The first worker comes back once and goes again: its coordinator moves past the hanging transaction's epoch.
            try (KafkaProducer<byte[], byte[]> restartedB = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(), ProducerConfig.TRANSACTIONAL_ID_CONFIG, gone),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                restartedB.initTransactions();
            }

            List<String> onStuck = new ArrayList<>();
            List<String> onFree = new ArrayList<>();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (String id : tasks(simulator, 20)) {
                boolean first = onStuck.size() <= onFree.size();
                (first ? onStuck : onFree).add(id);
                records.add(new ProducerRecord<>(topics.input, first ? 0 : 1, id.getBytes(), id.getBytes()));
            }
            topics.produceRecords(records);

            try (Worker other = Worker.start(WorkerConfigLoader.load(dynamic(topics.workerEnv(simulator))))) {
                var early = topics.read(topics.completed, before.size() + onFree.size(), Duration.ofSeconds(12), Duration.ZERO);
                assertThat(results(early)).as("the partition the open transaction does not cover works at once")
                        .containsAll(onFree).doesNotContainAnyElementsOf(onStuck);

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(counter(other, "mjtracker.hanging.transactions.aborted")).isEqualTo(1));
                List<String> after = new ArrayList<>(onStuck);
                after.addAll(onFree);
                assertEveryRequestAnsweredOnce(topics, before, after);
            }
        }
    }

    private static Map<String, String> withInstance(Map<String, String> env, String instance) {
        env.put("TRACKER_TOPIC_PARTITIONS", "2");
        env.put("TRACKER_INSTANCE_ID", instance);
        return env;
    }

    private static Map<String, String> dynamic(Map<String, String> env) {
        env.put("TRACKER_TOPIC_PARTITIONS", "2");
        return env;
    }

    private static String onlyTransactionalId(EmbeddedKafkaBroker broker, TestTopics topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            return admin.listTransactions().all().get().stream().map(listing -> listing.transactionalId())
                    .filter(id -> id.startsWith("mj-tracker-" + topics.group + "-")).findFirst().orElseThrow();
        }
    }

    private static String transactionalId(TestTopics topics, String instance) {
        return "mj-tracker-" + topics.group + "-" + instance;
    }

    /** Runs a worker until it answered 20 requests, and stops it. */
    private List<String> runOnce(UpstreamSimulator simulator, TestTopics topics, Map<String, String> env) {
        List<String> ids = tasks(simulator, 20);
        try (Worker worker = Worker.start(WorkerConfigLoader.load(env))) {
            topics.produceIds(ids);
            topics.read(topics.completed, ids.size(), Duration.ofSeconds(60), Duration.ZERO);
        }
        return ids;
    }

    /** The late offset commit of {@code transactionalId}'s producer, at its last epoch, setting {@code partition} back to 0. */
    private static void leaveHangingTransaction(EmbeddedKafkaBroker broker, TestTopics topics, String transactionalId,
            TopicPartition partition) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            TransactionDescription producer = admin.describeTransactions(List.of(transactionalId)).all().get().get(transactionalId);
            writeLateOffsetCommit(broker, topics.group, transactionalId, producer.producerId(), (short) producer.producerEpoch(), partition);
            assertThat(openTransactions(admin, topics.group)).as("the hanging transaction is in place")
                    .anyMatch(state -> state.producerId() == producer.producerId());
        }
    }

    private void assertEveryRequestAnsweredOnce(TestTopics topics, List<String> before, List<String> after) {
        var all = topics.read(topics.completed, before.size() + after.size(), Duration.ofSeconds(60), Duration.ofSeconds(2));
        Map<String, Long> perTask = all.stream().map(r -> codec.readFinalResult(r.value()).taskId())
                .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
        assertThat(perTask.keySet()).as("every request answered").containsAll(before).containsAll(after);
        assertThat(perTask.values()).as("none twice: what the hanging transaction held was aborted, not committed by a later one")
                .allMatch(count -> count == 1);
    }

    private static List<String> tasks(UpstreamSimulator simulator, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(200))));
        }
        return ids;
    }

    private List<String> results(List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> codec.readFinalResult(r.value()).taskId()).toList();
    }

    /**
     * Sends the group coordinator a transactional offset commit of {@code producerId} at {@code epoch} with
     * no transaction open for it: the commit a producer sent before its transaction ended, arriving after.
     */
    private static void writeLateOffsetCommit(EmbeddedKafkaBroker broker, String group, String transactionalId, long producerId,
            short epoch, TopicPartition partition) throws Exception {
        short version = 4;
        TxnOffsetCommitRequest request = new TxnOffsetCommitRequest.Builder(transactionalId, group, producerId, epoch,
                Map.of(partition, new TxnOffsetCommitRequest.CommittedOffset(0, "", Optional.empty())), false).build(version);
        TxnOffsetCommitResponse response = (TxnOffsetCommitResponse) send(broker, request, ApiKeys.TXN_OFFSET_COMMIT, version);
        assertThat(response.errors()).as("the late commit is taken").containsEntry(partition, Errors.NONE);
    }

    /**
     * Writes one record of {@code producerId} at {@code epoch} in a transaction to {@code partition}, with no
     * transaction open for it at its coordinator: what a transaction whose marker the broker skipped leaves.
     */
    private static void writeTransactionalRecord(EmbeddedKafkaBroker broker, String transactionalId, long producerId, short epoch,
            TopicPartition partition, byte[] key, byte[] value) throws Exception {
        // Version 11: transaction protocol 1, where the producer adds partitions itself; with verification off the
        // broker takes the record with no transaction around it (from 12 on, a produce adds its partition).
        short version = 11;
        ProduceRequestData data = new ProduceRequestData().setTransactionalId(transactionalId).setAcks((short) -1).setTimeoutMs(10_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(new ProduceRequestData.TopicProduceData()
                        .setName(partition.topic()).setPartitionData(List.of(new ProduceRequestData.PartitionProduceData()
                                .setIndex(partition.partition())
                                .setRecords(MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, 0,
                                        new SimpleRecord(key, value)))))).iterator()));
        ProduceResponse response = (ProduceResponse) send(broker, new ProduceRequest.Builder(version, version, data).build(version),
                ApiKeys.PRODUCE, version);
        assertThat(response.data().responses()).flatExtracting(topic -> topic.partitionResponses())
                .extracting(answer -> Errors.forCode(answer.errorCode())).as("the record is taken").containsExactly(Errors.NONE);
    }

    /** One request to the broker over a socket of its own, as no client would send it; its answer. */
    private static AbstractResponse send(EmbeddedKafkaBroker broker, org.apache.kafka.common.requests.AbstractRequest request,
            ApiKeys api, short version) throws Exception {
        String[] hostPort = broker.bootstrapServers().split(",")[0].split(":");
        RequestHeader header = new RequestHeader(api, version, "hanging-transaction-it", 1);
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                DataInputStream in = new DataInputStream(socket.getInputStream())) {
            ByteBuffer frame = request.serializeWithHeader(header);
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            return AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
        }
    }

    private static List<ProducerState> openTransactions(Admin admin, String group) throws Exception {
        int partitions = admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get().get("__consumer_offsets").partitions().size();
        TopicPartition offsets = new TopicPartition("__consumer_offsets", Math.abs(group.hashCode()) % partitions);
        return admin.describeProducers(List.of(offsets)).partitionResult(offsets).get().activeProducers().stream()
                .filter(state -> state.currentTransactionStartOffset().isPresent()).toList();
    }

    private static double counter(Worker worker, String name) {
        FunctionCounter counter = worker.registry().find(name).functionCounter();
        return counter == null ? 0 : counter.count();
    }
}
