package io.mjtracker.cli;

import io.mjtracker.worker.check.Preflight;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The preflight: the worker's configuration, checked against Kafka and the upstream, one line each. */
@Command(name = "check", mixinStandardHelpOptions = true,
        header = "Check the worker's configuration against Kafka and the upstream API before deploying.",
        description = {"Reads the same variables (or TRACKER_CONFIG_FILE) as the worker and reports, one line each:",
                "configuration, Kafka, topics, transactions, upstream, API key, batch route, latency.",
                "Exit status 0 only when the worker would run. The key is never printed."})
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--timeout", converter = DurationConverter.class,
            description = "How long each question to Kafka or the upstream may take (default: 10s).")
    Duration timeout = Duration.ofSeconds(10);

    @Override
    public Integer call() throws InterruptedException {
        return Preflight.report(System.getenv(), timeout, System.out);
    }
}
