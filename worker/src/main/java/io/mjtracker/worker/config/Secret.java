package io.mjtracker.worker.config;

import java.util.Objects;

/**
 * A secret: an upstream API key or a hook token. Its {@code toString} never shows the value, so it cannot
 * leak into logs, exception messages or records by accident; only the HTTP client (the key) and the hook
 * receiver's token check read {@link #reveal()}.
 */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself, for the Authorization header or the token check and nothing else. */
    public String reveal() {
        return value;
    }

    /** True where the key occurs in {@code text}; tests use it to prove the key leaked nowhere. */
    public boolean occursIn(String text) {
        return !value.isEmpty() && text.contains(value);
    }

    @Override
    public String toString() {
        return "Secret[***]";
    }
}
