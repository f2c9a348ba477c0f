package io.mjtracker.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft broker (combined broker and controller) running in this JVM, from Apache
 * Kafka's own test kit. It starts in about two seconds and speaks the full protocol, transactions and
 * consumer groups included, so tests exercise exactly what a production cluster does.
 */
public final class EmbeddedKafkaBroker implements KafkaBroker {

    private final KafkaClusterTestKit cluster;

    private EmbeddedKafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts a broker with its data in a fresh temporary directory that is deleted on close. */
    public static EmbeddedKafkaBroker start() {
        return start(null, Map.of());
    }

    /**
     * Starts a broker.
     *
     * @param baseDirectory where the broker keeps its logs, or {@code null} for a temporary directory
     *     deleted on close; a given directory is kept after close
     * @param extraConfig broker settings layered over the single-node defaults
     */
    public static EmbeddedKafkaBroker start(Path baseDirectory, Map<String, String> extraConfig) {
        Objects.requireNonNull(extraConfig, "extraConfig");
        Map<String, String> config = new LinkedHashMap<>(SingleNodeSettings.BROKER);
        config.putAll(extraConfig);
        TestKitNodes.Builder nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1);
        if (baseDirectory != null) {
            nodes.setBaseDirectory(baseDirectory);
        }
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes.build())
                .setDeleteOnClose(baseDirectory == null);
        config.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = null;
        try {
            cluster = builder.build();
            formatQuietly(cluster);
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new EmbeddedKafkaBroker(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(cluster, e);
            throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
        } catch (Exception e) { // the test kit declares Exception on build() and format()
            closeQuietly(cluster, e);
            throw new IllegalStateException("could not start the embedded Kafka broker: " + e.getMessage(), e);
        }
    }

    /**
     * Kafka's storage formatter prints "Bootstrap metadata: ..." and "Formatting metadata directory ..."
     * to {@code System.out}, and the test kit gives no way to pass it another stream; in the
     * {@code mj-tracker run} output those lines are noise. Standard output is held for the format only
     * (milliseconds, before anything else of the broker runs); should formatting fail, its lines go into
     * the exception.
     */
    static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
        ByteArrayOutputStream formatterOutput = new ByteArrayOutputStream();
        synchronized (System.class) {
            PrintStream out = System.out;
            System.setOut(new PrintStream(formatterOutput, true, StandardCharsets.UTF_8));
            try {
                cluster.format();
            } catch (Exception e) { // rethrown at once, with what the formatter said
                e.addSuppressed(new IllegalStateException("formatter output: " + formatterOutput.toString(StandardCharsets.UTF_8)));
                throw e;
            } finally {
                System.setOut(out);
            }
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public String description() {
        return "embedded KRaft broker at " + bootstrapServers();
    }

    @Override
    public void close() {
        close(cluster, "the embedded Kafka broker");
    }

    /** Stops a test kit cluster; {@code what} names it in the error. */
    static void close(KafkaClusterTestKit cluster, String what) {
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping " + what, e);
        } catch (Exception e) { // KafkaClusterTestKit.close() declares Exception
            throw new IllegalStateException("could not stop " + what + " cleanly", e);
        }
    }

    static void closeQuietly(KafkaClusterTestKit cluster, Exception cause) {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
        } catch (Exception suppressed) { // keep the start failure as the primary error
            cause.addSuppressed(suppressed);
        }
    }
}
