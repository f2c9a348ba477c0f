package io.mjtracker.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft broker in its own process ({@code kafka.Kafka} from the Maven Central jars),
 * formatted once and restartable on the same ports and data, so that a test or benchmark can stop it,
 * kill it, and start it again.
 */
public final class StandaloneBroker implements KafkaBroker {

    private final int port;
    private final int advertisedPort;
    private final KafkaProcess node;

    public StandaloneBroker(Path dir) throws IOException, InterruptedException {
        this(dir, -1, Map.of());
    }

    /**
     * A broker that tells clients to reach it at {@code advertisedPort} (a {@link KafkaFaultProxy} forwarding
     * to {@link #listenerPort()}); its own traffic (transaction markers to itself) takes a listener of its
     * own, past the proxy. {@link #bootstrapServers()} is the proxy's address.
     *
     * @param extraConfig broker settings layered over the single-node ones
     */
    public static StandaloneBroker behindProxy(Path dir, int advertisedPort, Map<String, String> extraConfig)
            throws IOException, InterruptedException {
        return new StandaloneBroker(dir, advertisedPort, extraConfig);
    }

    private StandaloneBroker(Path dir, int advertisedPort, Map<String, String> extraConfig) throws IOException, InterruptedException {
        List<Integer> ports = KafkaProcess.freePorts(3, advertisedPort < 0 ? Set.of() : Set.of(advertisedPort));
        this.port = ports.get(0);
        this.advertisedPort = advertisedPort < 0 ? port : advertisedPort;
        int controllerPort = ports.get(1);
        int internalPort = ports.get(2);
        List<String> lines = new ArrayList<>(List.of(
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",INTERNAL://127.0.0.1:" + internalPort
                        + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + this.advertisedPort + ",INTERNAL://127.0.0.1:" + internalPort,
                "inter.broker.listener.name=INTERNAL",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=8",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=8",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=8",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0"));
        extraConfig.forEach((key, value) -> lines.add(key + "=" + value));
        node = new KafkaProcess(dir, lines);
        node.format(Uuid.randomUuid().toString(), "--standalone");
        start();
    }

    /** The port the broker itself listens on for clients (behind a proxy: where the proxy forwards to). */
    public int listenerPort() {
        return port;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + advertisedPort;
    }

    /** Starts the broker process on the same ports and data. */
    public void start() throws IOException {
        node.start();
    }

    /** A clean stop (SIGTERM), waiting for the process to end. */
    public void stop() throws InterruptedException {
        node.stop();
    }

    /** A crash: SIGKILL, no clean shutdown. */
    public void kill() throws InterruptedException {
        node.kill();
    }

    /** A clean stop (SIGTERM) and a start on the same data. */
    public void restart() throws IOException, InterruptedException {
        stop();
        start();
    }

    /** A port free at the time of asking, on the loopback interface. */
    public static int freePort() {
        return KafkaProcess.freePort();
    }

    @Override
    public String description() {
        return "standalone KRaft broker process at " + bootstrapServers();
    }

    @Override
    public void close() {
        node.close();
    }
}
