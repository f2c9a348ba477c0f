package io.mjtracker.testkit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import kafka.server.BrokerServer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real KRaft cluster of several brokers (and one controller) in this JVM, from Apache Kafka's own test
 * kit, laid out as production runs it: every topic, the internal ones included, with three replicas and
 * {@code min.insync.replicas=2}. A broker can be stopped (a controlled shutdown: its leaderships and
 * coordinators move elsewhere) and started again on the same data, so a test sees leader elections and
 * coordinators moving under load.
 */
public final class EmbeddedKafkaCluster implements KafkaBroker {

    /**
     * Settings of a replicated cluster: three copies of the internal topics, writes acknowledged by two
     * (tests create their own topics with three replicas).
     */
    static final Map<String, String> REPLICATED = Map.of(
            "min.insync.replicas", "2",
            "offsets.topic.replication.factor", "3",
            "offsets.topic.num.partitions", "6",
            "transaction.state.log.replication.factor", "3",
            "transaction.state.log.min.isr", "2",
            "transaction.state.log.num.partitions", "6",
            "group.initial.rebalance.delay.ms", "0");

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private EmbeddedKafkaCluster(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /**
     * Starts a cluster of three brokers and one controller, with its data in a temporary directory deleted on close.
     *
     * @param extraConfig broker settings layered over {@link #REPLICATED}
     */
    public static EmbeddedKafkaCluster startThreeBrokers(Map<String, String> extraConfig) {
        Map<String, String> config = new LinkedHashMap<>(REPLICATED);
        config.putAll(extraConfig);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(false)
                .setNumBrokerNodes(3)
                .setNumControllerNodes(1)
                .build();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
        config.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = null;
        try {
            cluster = builder.build();
            EmbeddedKafkaBroker.formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaCluster(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            EmbeddedKafkaBroker.closeQuietly(cluster, e);
            throw new IllegalStateException("interrupted while starting the embedded Kafka cluster", e);
        } catch (Exception e) { // the test kit declares Exception on build() and format()
            EmbeddedKafkaBroker.closeQuietly(cluster, e);
            throw new IllegalStateException("could not start the embedded Kafka cluster: " + e.getMessage(), e);
        }
    }

    /** The ids of the brokers, running or stopped. */
    public Set<Integer> brokerIds() {
        return new TreeSet<>(cluster.brokers().keySet());
    }

    /** A clean stop of one broker (controlled shutdown), returning once it is down. */
    public void stopBroker(int id) {
        BrokerServer broker = broker(id);
        broker.shutdown();
        broker.awaitShutdown();
    }

    /** Starts a stopped broker again on its data; it catches up and rejoins the in-sync replicas by itself. */
    public void startBroker(int id) {
        broker(id).startup();
    }

    private BrokerServer broker(int id) {
        BrokerServer broker = cluster.brokers().get(id);
        if (broker == null) {
            throw new IllegalArgumentException("no broker " + id + "; the cluster has " + brokerIds());
        }
        return broker;
    }

    /** The addresses of all brokers as they were at start: clients find the running ones among them. */
    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public String description() {
        return "embedded KRaft cluster of 3 brokers at " + bootstrapServers;
    }

    @Override
    public void close() {
        EmbeddedKafkaBroker.close(cluster, "the embedded Kafka cluster");
    }
}
