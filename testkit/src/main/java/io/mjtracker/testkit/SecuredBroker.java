package io.mjtracker.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A real KRaft broker in its own process, secured as managed clusters are: one SASL_SSL listener
 * (SCRAM-SHA-512 users, a certificate from a self-signed CA) and the standard authorizer with no
 * access unless an ACL grants it. {@code admin} is the only super user; the other users are created
 * at format time and can do nothing until a test grants them ACLs through {@link #admin()}.
 */
public final class SecuredBroker implements AutoCloseable {

    public static final String MECHANISM = "SCRAM-SHA-512";
    private static final String ADMIN = "admin";

    private final Path dir;
    private final int port;
    private final TestCertificates certificates;
    private final String adminPassword;
    private final Process process;

    private SecuredBroker(Path dir, int port, TestCertificates certificates, String adminPassword, Process process) {
        this.dir = dir;
        this.port = port;
        this.certificates = certificates;
        this.adminPassword = adminPassword;
        this.process = process;
    }

    /**
     * Formats and starts the broker; returns when it answers the admin user.
     *
     * @param users SCRAM users (name to password) besides {@code admin}
     */
    public static SecuredBroker start(Path directory, Map<String, String> users) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(directory).toAbsolutePath();
        TestCertificates certificates = TestCertificates.create(dir);
        List<Integer> ports = KafkaProcess.freePorts(2, java.util.Set.of());
        int port = ports.get(0);
        int controllerPort = ports.get(1);
        String adminPassword = "admin-" + Uuid.randomUuid();
        Path properties = dir.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "listeners=SASL_SSL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=SASL_SSL://127.0.0.1:" + port,
                "listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=SASL_SSL",
                "controller.listener.names=CONTROLLER",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                "sasl.enabled.mechanisms=" + MECHANISM,
                "sasl.mechanism.inter.broker.protocol=" + MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaas(ADMIN, adminPassword),
                "ssl.keystore.type=PKCS12",
                "ssl.keystore.location=" + certificates.serverKeyStore(),
                "ssl.keystore.password=" + TestCertificates.PASSWORD,
                "ssl.truststore.type=PEM",
                "ssl.truststore.location=" + certificates.caPem(),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                // The controller listener is plaintext on loopback and not advertised: its anonymous
                // principal is the broker talking to its own controller.
                "super.users=User:" + ADMIN + ";User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=2",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
        List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "--standalone",
                "-t", Uuid.randomUuid().toString(), "-c", properties.toString(), "--add-scram", scram(ADMIN, adminPassword)));
        users.forEach((name, password) -> format.addAll(List.of("--add-scram", scram(name, password))));
        Process formatter = java(dir, format).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!formatter.waitFor(60, TimeUnit.SECONDS) || formatter.exitValue() != 0) {
            throw new IllegalStateException("formatting the secured broker failed; see " + dir.resolve("format.log"));
        }
        Process process = java(dir, List.of("kafka.Kafka", properties.toString()))
                .redirectOutput(dir.resolve("broker.log").toFile()).start();
        SecuredBroker broker = new SecuredBroker(dir, port, certificates, adminPassword, process);
        broker.awaitReady();
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Client settings for {@code user}: SASL_SSL, SCRAM, the test CA as trust. */
    public Map<String, Object> clientConfig(String user, String password) {
        Map<String, Object> config = new HashMap<>();
        clientEnv(user, password).forEach((name, value) -> {
            if (!name.equals("KAFKA_BOOTSTRAP_SERVERS")) {
                config.put(name.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), value);
            }
        });
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return config;
    }

    /** The same settings as the worker's environment variables ({@code KAFKA_SECURITY_PROTOCOL}, ...). */
    public Map<String, String> clientEnv(String user, String password) {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", bootstrapServers(),
                "KAFKA_" + envName(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG), "SASL_SSL",
                "KAFKA_" + envName(SaslConfigs.SASL_MECHANISM), MECHANISM,
                "KAFKA_" + envName(SaslConfigs.SASL_JAAS_CONFIG), jaas(user, password),
                "KAFKA_" + envName(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG), "PEM",
                "KAFKA_" + envName(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG), certificates.caPem().toString());
    }

    /** An admin client as the super user: for topics, ACLs and users. */
    public Admin admin() {
        return Admin.create(clientConfig(ADMIN, adminPassword));
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    admin.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        close();
                        throw new IllegalStateException("the secured broker did not come up; see " + dir.resolve("broker.log"), notYet);
                    }
                    Thread.sleep(500); // polling a starting process: no event to wait on
                }
            }
        }
    }

    private static String envName(String setting) {
        return setting.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static String scram(String user, String password) {
        return MECHANISM + "=[name=" + user + ",password=" + password + "]";
    }

    private static ProcessBuilder java(Path dir, List<String> mainAndArgs) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path")));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
