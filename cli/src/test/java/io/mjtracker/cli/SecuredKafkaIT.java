package io.mjtracker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.TaskScript;
import io.mjtracker.simulator.UpstreamSimulator;
import io.mjtracker.testkit.SecuredBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker, submit, watch and check against a broker secured as managed clusters are (SASL_SSL,
 * SCRAM users, a self-signed CA, no access without an ACL), each user holding exactly the ACLs that
 * docs/deploy.md lists for its role. No password or JAAS text reaches any output.
 */
class SecuredKafkaIT {

    private static final String PREFIX = "secured";
    private static final String GROUP = "mj-tracker-secured";
    private static final Map<String, String> USERS = Map.of(
            "mj-worker", "worker-pw-8f3a", "mj-worker-no-txn", "notxn-pw-51c2", "producer-app", "producer-pw-77d1",
            "consumer-app", "consumer-pw-90e4");

    private static SecuredBroker broker;

    @BeforeAll
    static void startSecuredBrokerWithDocumentedAcls() throws Exception {
        broker = SecuredBroker.start(Files.createTempDirectory(Path.of("target"), "secured-broker"), USERS);
        String in = PREFIX + ".in";
        List<String> outputs = List.of(PREFIX + ".status", PREFIX + ".done", PREFIX + ".dlq");
        try (Admin admin = broker.admin()) {
            List<NewTopic> topics = new ArrayList<>();
            for (String topic : concat(in, outputs)) {
                topics.add(new NewTopic(topic, Optional.of(2), Optional.empty()));
            }
            admin.createTopics(topics).all().get();
            List<AclBinding> acls = new ArrayList<>();
            for (String worker : List.of("mj-worker", "mj-worker-no-txn")) {
                acls.add(allow(worker, ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.READ));
                acls.add(allow(worker, ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.DESCRIBE));
                // Checkpoints of long-running requests go back to the input topic (docs/progress.md).
                acls.add(allow(worker, ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.WRITE));
                for (String output : outputs) {
                    acls.add(allow(worker, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE));
                    acls.add(allow(worker, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.DESCRIBE));
                }
                acls.add(allow(worker, ResourceType.GROUP, GROUP, PatternType.LITERAL, AclOperation.READ));
            }
            // The one grant mj-worker-no-txn lacks: transactional ids under the worker's prefix.
            String transactionalIds = "mj-tracker-" + GROUP + "-";
            acls.add(allow("mj-worker", ResourceType.TRANSACTIONAL_ID, transactionalIds, PatternType.PREFIXED, AclOperation.WRITE));
            acls.add(allow("mj-worker", ResourceType.TRANSACTIONAL_ID, transactionalIds, PatternType.PREFIXED, AclOperation.DESCRIBE));
            acls.add(allow("producer-app", ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.WRITE));
            acls.add(allow("producer-app", ResourceType.TOPIC, in, PatternType.LITERAL, AclOperation.DESCRIBE));
            for (String output : List.of(PREFIX + ".status", PREFIX + ".done")) {
                acls.add(allow("consumer-app", ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.READ));
                acls.add(allow("consumer-app", ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.DESCRIBE));
            }
            admin.createAcls(acls).all().get();
        }
    }

    @AfterAll
    static void stopBroker() throws InterruptedException {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void workerSubmitWatchAndCheckRunWithTheDocumentedAcls() throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false))) {
            String id = simulator.createTask(TaskScript.succeedsAfter(Duration.ZERO, Duration.ofMillis(500)));
            Map<String, String> workerEnv = workerEnv("mj-worker", simulator);
            String[] topics = TestSetup.topicOptions(broker.bootstrapServers(), PREFIX);
            List<CommandProcess> all = new ArrayList<>();
            try (CommandProcess check = CommandProcess.cli("secured-check", workerEnv, "check", "--timeout", "10s")) {
                all.add(check);
                assertThat(check.awaitExit(Duration.ofSeconds(90))).as(check.output()).isZero();
            }
            try (CommandProcess worker = CommandProcess.worker("secured-worker", workerEnv)) {
                all.add(worker);
                await().atMost(Duration.ofSeconds(90)).until(() -> worker.output().contains("mj-tracker started"));
                try (CommandProcess submit = CommandProcess.cli("secured-submit", role("producer-app"), TestSetup.concat(new String[] {"submit", id}, topics));
                        CommandProcess watch = CommandProcess.cli("secured-watch", role("consumer-app"),
                                TestSetup.concat(new String[] {"watch", "--timeout", "90s", id}, topics))) {
                    all.add(submit);
                    all.add(watch);
                    assertThat(submit.awaitExit(Duration.ofSeconds(60))).as(submit.output()).isZero();
                    assertThat(watch.awaitExit(Duration.ofSeconds(120))).as(watch.output() + worker.output()).isZero();
                }
            }
            for (CommandProcess process : all) {
                assertThat(process.output()).doesNotContain("ScramLoginModule").doesNotContainPattern(CommandProcess.NOISE);
                USERS.values().forEach(password -> assertThat(process.output()).doesNotContain(password));
            }
        }
    }

    @Test
    void checkNamesTheMissingTransactionalIdAcl() throws Exception {
        try (UpstreamSimulator simulator = UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false));
                CommandProcess check = CommandProcess.cli("secured-check-no-txn", workerEnv("mj-worker-no-txn", simulator),
                        "check", "--timeout", "10s")) {
            assertThat(check.awaitExit(Duration.ofSeconds(90))).as(check.output()).isEqualTo(1);

            assertThat(check.output()).contains("OK      topics", "OK      group", "FAILED  transactions",
                    "hint: grant Write and Describe on transactional ids with the prefix mj-tracker-" + GROUP + "-");
            assertThat(check.output()).doesNotContain(USERS.get("mj-worker-no-txn")).doesNotContain("ScramLoginModule");
        }
    }

    private static Map<String, String> workerEnv(String user, UpstreamSimulator simulator) {
        Map<String, String> env = TestSetup.workerEnv(broker.bootstrapServers(), simulator.baseUrl().toString(), PREFIX);
        env.put("TRACKER_GROUP_ID", GROUP);
        env.putAll(role(user));
        return env;
    }

    private static Map<String, String> role(String user) {
        return new HashMap<>(broker.clientEnv(user, USERS.get(user)));
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }
}
