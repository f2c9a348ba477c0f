package io.mjtracker.bench;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.RecordCodec;
import io.mjtracker.simulator.Dialect;
import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskMix;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.EmbeddedKafkaBroker;
import io.mjtracker.testkit.StandaloneBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What users of the worker image rely on, against a real broker and the simulator on this host (the containers
 * share its network): the image runs as non-root, its {@code check} passes, the worker in it turns ready and answers
 * every request once, the image's own health check passes, and SIGTERM drains it within the 30 s grace period the
 * manifests give, leaving its unfinished requests to the next owner (a second container), which answers them.
 * Prints one line per claim; {@link #run} says whether all held.
 */
final class ImageCheck {

    /** terminationGracePeriodSeconds in deploy/k8s/statefulset.yaml. */
    private static final Duration GRACE = Duration.ofSeconds(30);
    /** Long enough that the second batch is still running when the first container is stopped. */
    private static final TaskMix MIX = new TaskMix(Duration.ZERO, Duration.ofSeconds(3), Duration.ofSeconds(8),
            Duration.ofSeconds(30), 0.1, 0.05, 0.05, Dialect.COMET);
    private static final int BATCH = 100;

    private final String image;
    private final List<String> podman;
    private final List<String> failures = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private ImageCheck(String image, List<String> podman) {
        this.image = image;
        this.podman = podman;
    }

    /**
     * @param podman the container command and its global options, e.g. {@code podman --runtime runc}
     * @return true when every claim held
     */
    static boolean run(String image, List<String> podman) throws IOException, InterruptedException {
        return new ImageCheck(image, podman).check();
    }

    private boolean check() throws IOException, InterruptedException {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
             UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(true).withMix(MIX))) {
            int metricsPort = StandaloneBroker.freePort();
            Map<String, String> env = new HashMap<>(Rig.kafkaEnv(broker, "image"));
            env.put("MJ_API_BASE_URL", simulator.baseUrl().toString());
            env.put("MJ_API_KEY", "image-check-key");
            env.put("METRICS_PORT", Integer.toString(metricsPort));

            Result user = podman(List.of("run", "--rm", "--health-interval", "disable", "--entrypoint", "id", image, "-u"));
            claim("runs as non-root", user.status() == 0 && !user.output().strip().equals("0"), "uid " + user.output().strip());

            Result preflight = podman(runArguments(env, "--rm", List.of("check")));
            claim("check passes in the image", preflight.status() == 0, "exit " + preflight.status() + "\n" + preflight.output().strip());

            String first = "mj-tracker-image-check-1";
            String second = "mj-tracker-image-check-2";
            podman(List.of("rm", "--force", first, second));
            try {
                podman(runArguments(env, "--detach", List.of(), "--name", first));
                long started = System.nanoTime();
                boolean ready = awaitReady(metricsPort, Duration.ofSeconds(60));
                claim("/health/ready turns 200", ready, "after " + seconds(System.nanoTime() - started));
                Result health = podman(List.of("healthcheck", "run", first));
                claim("the image's HEALTHCHECK passes", health.status() == 0, "exit " + health.status() + " " + health.output().strip());

                Rig.submit(broker, env, "first-", BATCH);
                Map<String, Integer> results = new HashMap<>();
                try (var reader = Rig.resultsReader(broker, env)) {
                    readResults(reader, results, BATCH, Duration.ofSeconds(90));
                    claim("the worker in the image answers every request once",
                            results.size() == BATCH && results.values().stream().allMatch(count -> count == 1),
                            results.size() + " of " + BATCH + " answered, " + duplicates(results) + " more than once");

                    Rig.submit(broker, env, "second-", BATCH);
                    Thread.sleep(Duration.ofSeconds(12));
                    long stopping = System.nanoTime();
                    podman(List.of("stop", "--time", Long.toString(GRACE.toSeconds()), first));
                    Duration stopTook = Duration.ofNanos(System.nanoTime() - stopping);
                    int exit = Integer.parseInt(podman(List.of("inspect", first, "--format", "{{.State.ExitCode}}")).output().strip());
                    String logs = podman(List.of("logs", first)).output();
                    String drained = logs.lines().filter(line -> line.contains("intake stopped")).findFirst().orElse("");
                    // 143: the JVM ends by the signal after its shutdown hook drained; 137 would be the SIGKILL after the grace.
                    claim("SIGTERM drains within the " + GRACE.toSeconds() + " s grace", stopTook.compareTo(GRACE) < 0
                            && (exit == 143 || exit == 0) && !drained.isEmpty(), "stopped in " + seconds(stopTook.toNanos())
                            + ", exit " + exit + ", " + (drained.isEmpty() ? "no drain line in its log" : drained.strip()));
                    // Nothing writes results between the two containers: what is there now, the first one answered.
                    readResults(reader, results, 2 * BATCH, Duration.ofSeconds(3));
                    int answeredBeforeStop = results.size() - BATCH;

                    podman(runArguments(env, "--detach", List.of(), "--name", second));
                    readResults(reader, results, 2 * BATCH, Duration.ofSeconds(120));
                    claim("the next owner answers what the stopped one left, each once",
                            results.size() == 2 * BATCH && results.values().stream().allMatch(count -> count == 1),
                            answeredBeforeStop + " of the second " + BATCH + " answered before the stop, " + results.size()
                                    + " of " + 2 * BATCH + " in all, " + duplicates(results) + " more than once");
                }
            } finally {
                podman(List.of("rm", "--force", first, second));
            }
        }
        System.out.println(failures.isEmpty() ? "image check: every claim held" : "image check: FAILED " + failures);
        return failures.isEmpty();
    }

    /** {@code podman run} with the worker's settings and the host's network, so localhost is the broker's and the simulator's. */
    private List<String> runArguments(Map<String, String> env, String mode, List<String> command, String... options) {
        List<String> arguments = new ArrayList<>(List.of("run", mode, "--network", "host", "--health-interval", "disable"));
        arguments.addAll(List.of(options));
        env.forEach((key, value) -> arguments.addAll(List.of("--env", key + "=" + value)));
        arguments.add(image);
        arguments.addAll(command);
        return arguments;
    }

    private boolean awaitReady(int port, Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException notYetListening) {
                // the JVM in the container is still starting
            }
            Thread.sleep(Duration.ofMillis(250));
        }
        return false;
    }


    private static void readResults(KafkaConsumer<byte[], byte[]> reader,
                                    Map<String, Integer> results, int expected, Duration patience) {
        RecordCodec codec = new RecordCodec();
        long deadline = System.nanoTime() + patience.toNanos();
        while (results.size() < expected && System.nanoTime() < deadline) {
            for (var record : reader.poll(Duration.ofMillis(500))) {
                FinalResult result = codec.readFinalResult(record.value());
                results.merge(result.taskId(), 1, Integer::sum);
            }
        }
        // A duplicate written just after the last expected result would still count.
        for (var record : reader.poll(Duration.ofSeconds(2))) {
            results.merge(codec.readFinalResult(record.value()).taskId(), 1, Integer::sum);
        }
    }

    private void claim(String claim, boolean held, String evidence) {
        System.out.println((held ? "ok      " : "FAILED  ") + claim + ": " + evidence);
        if (!held) {
            failures.add(claim);
        }
    }

    private Result podman(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(podman);
        command.addAll(arguments);
        // podman's own complaints (no systemd for timed health checks here) go to this console, not into the output.
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }

    private static long duplicates(Map<String, Integer> results) {
        return results.values().stream().filter(count -> count > 1).count();
    }

    private static String seconds(long nanos) {
        return String.format("%.1f s", nanos / 1e9);
    }

    private record Result(int status, String output) {}
}
