package io.mjtracker.testkit;

import java.util.Locale;
import org.testcontainers.DockerClientFactory;

/**
 * Chooses and starts a broker. The system property {@code mjtracker.broker} selects
 * {@code embedded}, {@code container} or {@code auto} (the default: a container where a Docker engine
 * answers, the embedded broker otherwise); {@code mjtracker.broker.image} overrides the container image.
 */
public final class KafkaBrokers {

    /** System property naming the broker kind. */
    public static final String KIND_PROPERTY = "mjtracker.broker";
    /** System property naming the container image. */
    public static final String IMAGE_PROPERTY = "mjtracker.broker.image";

    private KafkaBrokers() {}

    /** Starts the broker the system properties ask for. */
    public static KafkaBroker start() {
        String kind = System.getProperty(KIND_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        return switch (kind) {
            case "embedded" -> EmbeddedKafkaBroker.start();
            case "container" -> ContainerKafkaBroker.start(image());
            case "auto" -> dockerAvailable() ? ContainerKafkaBroker.start(image()) : EmbeddedKafkaBroker.start();
            default -> throw new IllegalArgumentException(
                    KIND_PROPERTY + " must be embedded, container or auto, not '" + kind + "'");
        };
    }

    private static String image() {
        return System.getProperty(IMAGE_PROPERTY, ContainerKafkaBroker.DEFAULT_IMAGE);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (IllegalStateException | NoClassDefFoundError e) {
            // Testcontainers reports a missing engine as an exception on some platforms.
            return false;
        }
    }
}
