package io.mjtracker.cli;

import io.mjtracker.worker.config.ConfigException;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.util.Map;

/**
 * Chooses the logging configuration before the first logger exists. The worker's jar carries the
 * worker's {@code logback.xml} (INFO to stdout, as a service logs); the commands' own configuration
 * (only problems, on stderr, so progress output stays readable; the worker jar carries it, for its own
 * {@code check}) has another name and is chosen here by
 * {@code logback.configurationFile}. Only one configuration is ever found, so logback starts silently
 * instead of printing its status because a resource occurs twice on the class path.
 */
final class LogSetup {

    private LogSetup() {}

    /**
     * Selects the configuration for the command line {@code args}. {@code run} as the plain worker keeps
     * the worker's; an explicit {@code -Dlogback.configurationFile} always wins.
     *
     * @return a message naming a bad {@code LOG_FORMAT}, or {@code null}
     */
    static String choose(String[] args, Map<String, String> environment) {
        String format = environment.get("LOG_FORMAT");
        if (format != null && !format.isBlank() && !format.equals("text") && !format.equals("json")) {
            return "LOG_FORMAT must be text or json, not '" + format + "'";
        }
        boolean plainWorker = args.length > 0 && args[0].equals("run") && RunCommand.isPlainWorker(settings(environment));
        if (!plainWorker) {
            io.mjtracker.worker.logging.LogSetup.forCommand();
        }
        return null;
    }

    /** The worker's settings; an unreadable file is left for the command to report, with its logging chosen. */
    private static Map<String, String> settings(Map<String, String> environment) {
        try {
            return WorkerConfigLoader.effectiveSettings(environment);
        } catch (ConfigException unreadable) {
            return environment;
        }
    }
}
