package io.mjtracker.worker.config;

import java.util.List;

/** Start-up configuration is invalid; the message names every bad variable and what it accepts. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad setting. */
    public List<String> problems() {
        return problems;
    }
}
