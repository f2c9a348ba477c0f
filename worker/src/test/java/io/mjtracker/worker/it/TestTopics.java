package io.mjtracker.worker.it;

import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.KafkaBroker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** One test's topics and group on the shared broker, with helpers to produce requests and read outputs. */
final class TestTopics {

    final KafkaBroker broker;
    final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);
    final String input = prefix + ".tasks";
    final String status = prefix + ".status";
    final String completed = prefix + ".completed";
    final String deadLetter = prefix + ".dlq";
    final String group = prefix + "-group";

    TestTopics(KafkaBroker broker) {
        this.broker = broker;
    }

    /** Worker settings for these topics against {@code simulator}: fast cadence, short grace, generous rate. */
    Map<String, String> workerEnv(UpstreamSimulator simulator) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
        env.put("MJ_API_KEY", "sk-test-" + prefix);
        env.put("TRACKER_GROUP_ID", group);
        env.put("TRACKER_INPUT_TOPIC", input);
        env.put("TRACKER_STATUS_TOPIC", status);
        env.put("TRACKER_COMPLETED_TOPIC", completed);
        env.put("TRACKER_DLQ_TOPIC", deadLetter);
        env.put("TRACKER_TOPIC_PARTITIONS", "4");
        env.put("TRACKER_RATE_LIMIT_PER_SECOND", "500");
        env.put("TRACKER_CADENCE_SCALE", "0.05");
        env.put("TRACKER_NOT_FOUND_GRACE", "2s");
        env.put("TRACKER_RETRY_INITIAL_BACKOFF", "50ms");
        env.put("TRACKER_RETRY_MAX_BACKOFF", "500ms");
        env.put("TRACKER_BREAKER_OPEN_DURATION", "1s");
        env.put("TRACKER_SHUTDOWN_TIMEOUT", "5s");
        env.put("METRICS_PORT", "-1");
        return env;
    }

    /**
     * {@link #workerEnv} polling with one request per task: for tests that count requests per task, or
     * that use the simulator's per-fetch faults, which its batch route does not serve.
     */
    Map<String, String> singleFetchEnv(UpstreamSimulator simulator) {
        Map<String, String> env = workerEnv(simulator);
        env.put("MJ_API_BATCH", "off");
        return env;
    }

    /** Creates the four topics with {@code partitions} each, before anything is produced or a worker starts. */
    void create(int partitions) {
        create(partitions, (short) 1);
    }

    /** {@link #create(int)} with {@code replicas} copies of every partition (on a cluster). */
    void create(int partitions, short replicas) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(input, status, completed, deadLetter).stream()
                    .map(name -> new NewTopic(name, partitions, replicas)).toList()).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Produces values without keys (the producer's sticky partitioner may put them all in one partition). */
    void produce(List<byte[]> values) {
        produce(values, false);
    }

    /** Produces task ids keyed by themselves, so that they spread over the partitions. */
    void produceIds(List<String> ids) {
        produce(ids.stream().map(id -> id.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toList(), true);
    }

    private void produce(List<byte[]> values, boolean keyed) {
        produceRecords(values.stream().map(value -> new ProducerRecord<>(input, keyed ? value : null, value)).toList());
    }

    /** Produces these records (to the input topic, with headers where given) and waits for every one. */
    void produceRecords(List<ProducerRecord<byte[], byte[]>> records) {
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                // One request at a time: the worker has only just created the topic, and a first batch
                // refused with NOT_LEADER_OR_FOLLOWER while a later one to the same partition got in
                // makes its retry an out-of-order sequence, retried until the delivery timeout.
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (var record : records) {
                sent.add(producer.send(record));
            }
            for (var future : sent) {
                future.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Reads {@code topic} from the start with {@code read_committed} until {@code expected} records came
     * or {@code timeout} passed, then keeps reading until no record came for {@code settle}, so that
     * extra records (duplicates) would show.
     */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected, Duration timeout, Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = reader("read_committed")) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                int before = records.size();
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                if (records.size() >= expected && (settleUntil == Long.MAX_VALUE || records.size() > before)) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return records;
    }

    /**
     * Reads every committed record {@code topic} holds now: up to its last stable offsets as they were
     * when asked, for a topic whose count no test knows (status updates) or that may be empty.
     */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
        return readAll(topic, timeout, "read_committed");
    }

    /** As {@link #readAll(String, Duration)}; {@code read_uncommitted} also returns the records of aborted transactions. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout, String isolation) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (var consumer = reader(isolation)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(partition -> consumer.position(partition) < end.get(partition))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("read " + records.size() + " records of " + topic + " but not up to " + end
                            + " within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * The id of one of these topics as Produce requests carry it (newer versions name topics by id): a marker
     * for {@code KafkaFaultProxy#holdResponsesAfter}.
     */
    byte[] topicId(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            Uuid id = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
            return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
        }
    }

    /** A consumer of its own group, from the start of what it is given. */
    private KafkaConsumer<byte[], byte[]> reader(String isolation) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
