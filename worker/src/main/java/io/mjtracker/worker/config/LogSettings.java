package io.mjtracker.worker.config;

import java.util.Map;

/**
 * How the worker logs.
 *
 * @param json one JSON object per line (for log shippers) instead of plain text
 * @param level the level of every logger not named in {@code loggers}
 * @param loggers levels of single loggers and their children, by logger name (a package or a class)
 */
public record LogSettings(boolean json, LogLevel level, Map<String, LogLevel> loggers) {

    public LogSettings {
        loggers = Map.copyOf(loggers);
    }

    /** The levels a setting may name, most to least verbose. */
    public enum LogLevel { TRACE, DEBUG, INFO, WARN, ERROR, OFF }
}
