package io.mjtracker.worker.check;

import io.mjtracker.worker.config.ConfigException;
import io.mjtracker.worker.config.UpstreamProfile;
import io.mjtracker.worker.config.WorkerConfig;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs every check in order: configuration, then Kafka, then the upstream. */
public final class Preflight {

    private Preflight() {}

    /**
     * @param environment the worker's variables (and through {@code TRACKER_CONFIG_FILE} its file)
     * @param timeout how long each question to Kafka or the upstream may take
     */
    public static List<Finding> run(Map<String, String> environment, Duration timeout) throws InterruptedException {
        List<Finding> findings = new ArrayList<>();
        WorkerConfig config;
        try {
            config = WorkerConfigLoader.load(environment);
        } catch (ConfigException e) {
            findings.add(Finding.failed("configuration", "invalid: " + String.join("; ", e.problems()),
                    "fix the settings named (docs/configuration.md); the worker would exit with status 2"));
            return findings;
        }
        findings.add(Finding.ok("configuration", "valid: group " + config.kafka().groupId() + ", input "
                + config.kafka().topics().input() + ", upstreams " + config.upstreams().stream()
                        .map(profile -> profile.name() + " at " + profile.upstream().baseUrl() + " (key in "
                                + profile.upstream().authHeader() + ", not shown)").toList()));
        findings.addAll(new KafkaProbe(config.kafka(), timeout).run());
        for (UpstreamProfile profile : config.upstreams()) {
            findings.addAll(new UpstreamProbe(profile.name(), profile.upstream(), timeout).run());
        }
        return findings;
    }

    /**
     * Runs the checks and prints one line per finding, then the verdict.
     *
     * @return 0 where the worker would run with this configuration, 1 otherwise
     */
    public static int report(Map<String, String> environment, Duration timeout, PrintStream out)
            throws InterruptedException {
        List<Finding> findings = run(environment, timeout);
        findings.forEach(finding -> out.println(finding.format()));
        int status = exitStatus(findings);
        out.println(status == 0 ? "the worker would run with this configuration"
                : "the worker would not run with this configuration (problems above)");
        return status;
    }

    /** 0 where the worker would run with this configuration, 1 otherwise. */
    public static int exitStatus(List<Finding> findings) {
        return findings.stream().anyMatch(finding -> finding.verdict().blocks()) ? 1 : 0;
    }
}
