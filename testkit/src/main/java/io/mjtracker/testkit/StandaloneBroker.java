package io.mjtracker.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node KRaft broker in its own process ({@code kafka.Kafka} from the Maven Central jars),
 * formatted once and restartable on the same ports and data, so that a test or benchmark can stop it,
 * kill it, and start it again.
 */
public final class StandaloneBroker implements KafkaBroker {

    private final Path dir;
    private final int port;
    private final int advertisedPort;
    private Process process;

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
        this.dir = dir;
        this.port = freePort();
        this.advertisedPort = advertisedPort < 0 ? port : advertisedPort;
        int controllerPort = freePort();
        int internalPort = freePort();
        Path properties = dir.resolve("server.properties");
        Files.createDirectories(dir);
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
        lines.add("");
        Files.writeString(properties, String.join("\n", lines));
        Process format = java("kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(),
                "-c", properties.toString()).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + dir.resolve("format.log"));
        }
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
        process = java("kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    /** A clean stop (SIGTERM), waiting for the process to end. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** A crash: SIGKILL, no clean shutdown. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** A clean stop (SIGTERM) and a start on the same data. */
    public void restart() throws IOException, InterruptedException {
        stop();
        start();
    }

    private ProcessBuilder java(String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** A port free at the time of asking, on the loopback interface. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public String description() {
        return "standalone KRaft broker process at " + bootstrapServers();
    }

    @Override
    public void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
