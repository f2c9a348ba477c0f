package io.mjtracker.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.Uuid;

/**
 * A real KRaft cluster of three nodes, each broker and controller, each in a process of its own, laid out
 * as production runs it: a static quorum of three controllers, internal topics with three replicas and
 * {@code min.insync.replicas=2}. Any one node can be killed (SIGKILL), stopped cleanly (a controlled
 * shutdown, as an operator's rolling upgrade does) and started again on its ports and data, so that a
 * benchmark sees leaders, coordinators and the controller move while the other two go on.
 */
public final class StandaloneCluster implements KafkaBroker {

    /** Nodes in the cluster; node {@code i} (0-based) has node id {@code i + 1}. */
    public static final int SIZE = 3;

    private final List<KafkaProcess> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    public StandaloneCluster(Path dir) throws IOException, InterruptedException {
        List<Integer> allPorts = KafkaProcess.freePorts(2 * SIZE, java.util.Set.of());
        ports.addAll(allPorts.subList(0, SIZE));
        List<Integer> controllerPorts = allPorts.subList(SIZE, 2 * SIZE);
        String voters = IntStream.range(0, SIZE)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts.get(i)).collect(Collectors.joining(","));
        String clusterId = Uuid.randomUuid().toString();
        for (int i = 0; i < SIZE; i++) {
            Path nodeDir = dir.resolve("node-" + (i + 1));
            KafkaProcess node = new KafkaProcess(nodeDir, List.of(
                    "process.roles=broker,controller",
                    "node.id=" + (i + 1),
                    "listeners=PLAINTEXT://127.0.0.1:" + ports.get(i) + ",CONTROLLER://127.0.0.1:" + controllerPorts.get(i),
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + ports.get(i),
                    "inter.broker.listener.name=PLAINTEXT",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "controller.quorum.voters=" + voters,
                    "log.dirs=" + nodeDir.resolve("data"),
                    "num.partitions=12",
                    "default.replication.factor=3",
                    "min.insync.replicas=2",
                    "offsets.topic.replication.factor=3",
                    "offsets.topic.num.partitions=12",
                    "transaction.state.log.replication.factor=3",
                    "transaction.state.log.min.isr=2",
                    "transaction.state.log.num.partitions=12",
                    "group.initial.rebalance.delay.ms=0"));
            node.format(clusterId);
            nodes.add(node);
        }
        for (KafkaProcess node : nodes) {
            node.start();
        }
    }

    /** A crash of node {@code index} (0-based): SIGKILL, no clean shutdown. */
    public void kill(int index) throws InterruptedException {
        nodes.get(index).kill();
    }

    /** A clean stop of node {@code index} (SIGTERM: a controlled shutdown), waiting for the process to end. */
    public void stop(int index) throws InterruptedException {
        nodes.get(index).stop();
    }

    /** Starts node {@code index} again on its ports and data. */
    public void start(int index) throws IOException {
        nodes.get(index).start();
    }

    public boolean running(int index) {
        return nodes.get(index).running();
    }

    /** The broker id of node {@code index}, as metadata and admin results name it. */
    public static int brokerId(int index) {
        return index + 1;
    }

    /** All three nodes' addresses: clients find the running ones among them. */
    @Override
    public String bootstrapServers() {
        return ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    @Override
    public String description() {
        return "standalone KRaft cluster of " + SIZE + " processes at " + bootstrapServers();
    }

    @Override
    public void close() {
        nodes.forEach(KafkaProcess::close);
    }
}
