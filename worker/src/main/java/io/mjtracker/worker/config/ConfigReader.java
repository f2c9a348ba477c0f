package io.mjtracker.worker.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed, bounded reads of settings from a flat map of names to text. Each bad value adds a problem
 * naming the variable and what it accepts, so that one start reports every mistake at once.
 */
final class ConfigReader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private final Map<String, String> values;
    private final List<String> problems;
    /** Before every name in a problem: empty, or the profile ({@code upstream 'comet': }). */
    private final String prefix;
    private final Function<Setting, String> naming;

    ConfigReader(Map<String, String> values) {
        this(values, new ArrayList<>(), "", Setting::name);
    }

    private ConfigReader(Map<String, String> values, List<String> problems, String prefix, Function<Setting, String> naming) {
        this.values = values;
        this.problems = problems;
        this.prefix = prefix;
        this.naming = naming;
    }

    /**
     * A reader of one upstream profile's values, keyed by the names of the settings they stand for (a
     * profile's {@code base-url} under {@code MJ_API_BASE_URL}), so that the same checks apply; its problems
     * join this reader's and name the profile and its own name for the setting.
     */
    ConfigReader forProfile(String profile, Map<String, String> profileValues, Function<Setting, String> profileNaming) {
        return new ConfigReader(profileValues, problems, "upstream '" + profile + "': ", profileNaming);
    }

    /** How problems name {@code setting}: its variable, or the profile and the profile's own name for it. */
    String label(Setting setting) {
        return prefix + naming.apply(setting);
    }

    /** The setting's name alone, for a second name in the same message. */
    String name(Setting setting) {
        return naming.apply(setting);
    }

    List<String> problems() {
        return problems;
    }

    void problem(String message) {
        problems.add(message);
    }

    Optional<String> optional(Setting setting) {
        String raw = values.get(setting.name());
        if (raw == null || raw.isBlank()) {
            return Optional.ofNullable(setting.defaultValue());
        }
        return Optional.of(raw.trim());
    }

    /** As {@link #optional(Setting)}, falling back to {@code alias} (e.g. {@code https_proxy} for HTTPS_PROXY). */
    Optional<String> optional(Setting setting, String alias) {
        String raw = values.get(setting.name());
        if ((raw == null || raw.isBlank()) && values.get(alias) != null && !values.get(alias).isBlank()) {
            return Optional.of(values.get(alias).trim());
        }
        return optional(setting);
    }

    String required(Setting setting) {
        return optional(setting).orElseGet(() -> {
            problem(label(setting) + " is required" + (prefix.isEmpty() ? ": " + setting.doc() : ""));
            return "";
        });
    }

    int integer(Setting setting, int min, int max) {
        return optional(setting).map(text -> parseInt(setting, text, min, max)).orElse(min);
    }

    Optional<Integer> optionalInteger(Setting setting, int min, int max) {
        return optional(setting).map(text -> parseInt(setting, text, min, max));
    }

    double decimal(Setting setting, double min, double max) {
        String text = optional(setting).orElse(String.valueOf(min));
        try {
            double value = Double.parseDouble(text);
            if (!(value >= min && value <= max)) {
                problem(label(setting) + " must be between " + min + " and " + max + ", not " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            problem(label(setting) + " must be a number between " + min + " and " + max + ", not '" + text + "'");
            return min;
        }
    }

    /** One of an enum's constants, named in lower case; a problem naming the choices otherwise. */
    <E extends Enum<E>> E choice(Setting setting, Class<E> type) {
        E[] constants = type.getEnumConstants();
        String text = optional(setting).orElse(constants[0].name());
        for (E constant : constants) {
            if (constant.name().equalsIgnoreCase(text)) {
                return constant;
            }
        }
        problem(label(setting) + " must be one of " + java.util.Arrays.stream(constants)
                .map(constant -> constant.name().toLowerCase(java.util.Locale.ROOT)).toList() + ", not '" + text + "'");
        return constants[0];
    }

    Duration duration(Setting setting, Duration min, Duration max) {
        String text = optional(setting).orElse("0s");
        Matcher matcher = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            problem(label(setting) + " must be a duration like 500ms, 30s, 5m, 1h or 2d, not '" + text + "'");
            return min;
        }
        long amount = Long.parseLong(matcher.group(1));
        Duration value = switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problem(label(setting) + " must be between " + format(min) + " and " + format(max) + ", not " + text);
        }
        return value;
    }

    URI httpUrl(Setting setting) {
        String text = required(setting);
        if (text.isEmpty()) {
            return URI.create("http://invalid");
        }
        try {
            URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                problem(label(setting) + " must be an http:// or https:// URL with a host, not '" + text + "'");
            } else if (uri.getQuery() != null || uri.getFragment() != null) {
                problem(label(setting) + " must not have a query or fragment: '" + text + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            problem(label(setting) + " is not a valid URL: " + e.getReason());
            return URI.create("http://invalid");
        }
    }

    private int parseInt(Setting setting, String text, int min, int max) {
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                problem(label(setting) + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problem(label(setting) + " must be a whole number between " + min + " and " + max + ", not '" + text + "'");
            return min;
        }
    }

    private static String format(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
