package io.mjtracker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka node ({@code kafka.Kafka} from the Maven Central jars on this JVM's class path) in a process of
 * its own: its properties file and data under one directory, formatted once, then started, stopped
 * cleanly (SIGTERM) or killed (SIGKILL) and started again on the same ports and data.
 */
final class KafkaProcess implements AutoCloseable {

    private final Path dir;
    private Process process;

    /** Writes {@code lines} as the node's {@code server.properties} under {@code dir}. */
    KafkaProcess(Path dir, List<String> lines) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Files.writeString(properties(), String.join("\n", lines) + "\n");
    }

    private Path properties() {
        return dir.resolve("server.properties");
    }

    /**
     * Formats the node's storage for cluster {@code clusterId}.
     *
     * @param formatArgs how the controller quorum starts: {@code --standalone} for a single node; none for a
     *     static quorum named in {@code controller.quorum.voters}
     */
    void format(String clusterId, String... formatArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("format", "-t", clusterId, "-c", properties().toString()));
        args.addAll(List.of(formatArgs));
        Process format = java("kafka.tools.StorageTool", args).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed; see " + dir.resolve("format.log"));
        }
    }

    void start() throws IOException {
        process = java("kafka.Kafka", List.of(properties().toString()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
    }

    /** A clean stop (SIGTERM), waiting for the process to end (a controlled shutdown takes seconds). */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** A crash: SIGKILL, no clean shutdown. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    private static ProcessBuilder java(String mainClass, List<String> args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    /** A port free at the time of asking, on the loopback interface. */
    static int freePort() {
        return freePorts(1, Set.of()).getFirst();
    }

    /**
     * {@code count} different ports free at the time of asking, none of them in {@code taken}. Asked one by one,
     * the system may hand out a port it just gave and took back (a broker whose two listeners then share a
     * port fails to start), so every socket stays open until all are chosen.
     */
    static List<Integer> freePorts(int count, Set<Integer> taken) {
        List<ServerSocket> open = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            while (ports.size() < count) {
                ServerSocket socket = new ServerSocket(0);
                open.add(socket);
                if (!taken.contains(socket.getLocalPort())) {
                    ports.add(socket.getLocalPort());
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        } finally {
            for (ServerSocket socket : open) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // A socket that did not close still gave its port number; nothing else to do with it.
                }
            }
        }
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
