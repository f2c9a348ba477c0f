package io.mjtracker.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * An mj-tracker command or the plain worker in its own JVM, started from the packaged jars the way a
 * user starts them (the {@code mj-tracker} launcher's {@code cli/jvm.options}; the worker jar as the
 * image's entry point), with stdout and stderr together in one log file under {@code target/command-logs}.
 */
final class CommandProcess implements AutoCloseable {

    /** What must never appear on a normal start: logback's status, Kafka's formatter, JVM warnings. */
    static final Pattern NOISE = Pattern.compile(
            "\\|-(INFO|WARN|ERROR) in |WARNING: |NOTE: Picked up|Bootstrap metadata|Formatting metadata|SLF4J\\(");

    private final Process process;
    private final Path log;

    private CommandProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code ./mj-tracker args...}: the cli jar with the launcher's JVM options. */
    static CommandProcess cli(String name, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "@" + Path.of("jvm.options").toAbsolutePath(),
                "-jar", Path.of("target", "mj-tracker.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return start(name, env, command);
    }

    /** The worker jar beside its lib/, started with no JVM flags at all, as the image's entry point takes {@code args}. */
    static CommandProcess worker(String name, Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-jar",
                Path.of("..", "worker", "target", "mj-tracker-worker.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return start(name, env, command);
    }

    private static CommandProcess start(String name, Map<String, String> env, List<String> command) {
        try {
            Path log = Files.createDirectories(Path.of("target", "command-logs")).resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // Only what the test gives: no stray setting of the machine running the build.
            builder.environment().keySet().removeIf(key -> key.startsWith("KAFKA_") || key.startsWith("MJ_")
                    || key.startsWith("TRACKER_") || key.equals("LOG_FORMAT") || key.equals("METRICS_PORT")
                    || key.equals("JDK_JAVA_OPTIONS") || key.equals("JAVA_TOOL_OPTIONS"));
            builder.environment().putAll(env);
            return new CommandProcess(builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Waits for the process to end; its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("still running after " + timeout + "; output:\n" + output());
        }
        return process.exitValue();
    }

    /** Everything printed so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<String> lines() {
        return output().lines().toList();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, as Ctrl-C or {@code docker stop}; waits for the graceful shutdown. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
