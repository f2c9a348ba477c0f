package io.mjtracker.cli;

import io.mjtracker.cli.check.Finding;
import io.mjtracker.cli.check.Preflight;
import java.time.Duration;
import java.util.List;
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
        List<Finding> findings = Preflight.run(System.getenv(), timeout);
        findings.forEach(finding -> System.out.println(finding.format()));
        int status = Preflight.exitStatus(findings);
        System.out.println(status == 0 ? "the worker would run with this configuration"
                : "the worker would not run with this configuration (problems above)");
        return status;
    }
}
