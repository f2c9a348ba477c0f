package io.mjtracker.cli;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** What the cli's integration tests share: a worker's environment on unique topics, argument lists. */
final class TestSetup {

    private TestSetup() {}

    /** A worker environment with its own group and topics named after {@code prefix}; no metrics port. */
    static Map<String, String> workerEnv(String bootstrap, String baseUrl, String prefix) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("MJ_API_BASE_URL", baseUrl);
        env.put("MJ_API_KEY", "k");
        env.put("TRACKER_GROUP_ID", prefix);
        env.put("TRACKER_INPUT_TOPIC", prefix + ".in");
        env.put("TRACKER_STATUS_TOPIC", prefix + ".status");
        env.put("TRACKER_COMPLETED_TOPIC", prefix + ".done");
        env.put("TRACKER_DLQ_TOPIC", prefix + ".dlq");
        env.put("TRACKER_CADENCE_SCALE", "0.05");
        env.put("METRICS_PORT", "-1");
        return env;
    }

    /** The submit/watch options that name the topics of {@link #workerEnv}. */
    static String[] topicOptions(String bootstrap, String prefix) {
        return new String[] {"--bootstrap", bootstrap, "--input-topic", prefix + ".in",
                "--status-topic", prefix + ".status", "--completed-topic", prefix + ".done"};
    }

    static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
