package io.mjtracker.worker.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.mjtracker.worker.config.LogSettings;
import java.util.Map;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link LogSettings} to logback once the configuration is read, so that the log settings work
 * from {@code TRACKER_CONFIG_FILE} as from the environment (logback reads its XML before either), and
 * levels change without replacing the image's entry point. Lines written before (a configuration
 * error) are plain text.
 */
public final class LogSetup {

    /** The commands' configuration (only problems, on stderr), beside the worker's {@code logback.xml}. */
    public static final String COMMAND_CONFIGURATION = "mj-tracker-command-logback.xml";
    private static final String CONFIGURATION_PROPERTY = "logback.configurationFile";

    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level %property{instance} [%thread] %logger{30} - %msg%n";

    private LogSetup() {}

    /**
     * Chooses the commands' configuration, unless {@code -Dlogback.configurationFile} chose one. Call it before the
     * first logger exists: logback configures itself once, on first use.
     */
    public static void forCommand() {
        if (System.getProperty(CONFIGURATION_PROPERTY) == null) {
            System.setProperty(CONFIGURATION_PROPERTY, COMMAND_CONFIGURATION);
        }
    }

    /**
     * Replaces the console output and every logger's level.
     *
     * @param instance the worker's instance id, on every line
     * @return false where logback is not the logging backend (nothing was changed)
     */
    public static boolean apply(LogSettings settings, String instance) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            return false;
        }
        context.putProperty("instance", instance);
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        // LOG_LEVELS replaces the defaults of logback.xml instead of adding to them.
        context.getLoggerList().stream().filter(logger -> logger != root).forEach(logger -> logger.setLevel(null));
        root.setLevel(level(settings.level()));
        for (Map.Entry<String, LogSettings.LogLevel> named : settings.loggers().entrySet()) {
            context.getLogger(named.getKey()).setLevel(level(named.getValue()));
        }

        Encoder<ILoggingEvent> encoder = settings.json() ? new JsonLineEncoder(instance) : textEncoder(context);
        encoder.setContext(context);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("CONSOLE");
        console.setEncoder(encoder);
        console.start();
        root.detachAndStopAllAppenders();
        root.addAppender(console);
        return true;
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(TEXT_PATTERN);
        return encoder;
    }

    private static Level level(LogSettings.LogLevel level) {
        return Level.toLevel(level.name());
    }
}
