package io.mjtracker.worker.config;

import java.util.Locale;

/**
 * What one upstream profile can set. Each stands for the {@link Setting} that configures the profile
 * {@code default} (a profile's {@code base-url} is what {@code MJ_API_BASE_URL} is to {@code default}), so
 * it has the same default, range and checks. Named in the environment as {@code MJ_UPSTREAM_<NAME>_<SETTING>}
 * and in files as {@code <setting-in-lower-case-with-dashes>}.
 */
public enum ProfileSetting {
    BASE_URL(Setting.MJ_API_BASE_URL),
    KEY(Setting.MJ_API_KEY),
    KEY_FILE(Setting.MJ_API_KEY_FILE),
    AUTH_HEADER(Setting.MJ_API_AUTH_HEADER),
    REQUEST_TIMEOUT(Setting.MJ_API_REQUEST_TIMEOUT),
    CONNECT_TIMEOUT(Setting.MJ_API_CONNECT_TIMEOUT),
    MAX_BODY_BYTES(Setting.MJ_API_MAX_BODY_BYTES),
    BATCH(Setting.MJ_API_BATCH),
    BATCH_MAX_IDS(Setting.MJ_API_BATCH_MAX_IDS),
    REFRESH(Setting.MJ_API_REFRESH),
    HOOK_TOKEN(Setting.MJ_API_HOOK_TOKEN),
    HOOK_TOKEN_FILE(Setting.MJ_API_HOOK_TOKEN_FILE),
    RATE_LIMIT_PER_SECOND(Setting.TRACKER_RATE_LIMIT_PER_SECOND),
    RETRY_MAX_ATTEMPTS(Setting.TRACKER_RETRY_MAX_ATTEMPTS),
    RETRY_INITIAL_BACKOFF(Setting.TRACKER_RETRY_INITIAL_BACKOFF),
    RETRY_MAX_BACKOFF(Setting.TRACKER_RETRY_MAX_BACKOFF),
    BREAKER_FAILURE_RATE(Setting.TRACKER_BREAKER_FAILURE_RATE),
    BREAKER_WINDOW(Setting.TRACKER_BREAKER_WINDOW),
    BREAKER_OPEN_DURATION(Setting.TRACKER_BREAKER_OPEN_DURATION),
    /** No counterpart: the profile {@code default} is tagged {@code default}. */
    METRICS_TAG(null);

    /** Prefix of a profile's environment variables: {@code MJ_UPSTREAM_COMET_BASE_URL}. */
    public static final String ENV_PREFIX = "MJ_UPSTREAM_";

    private final Setting standsFor;

    ProfileSetting(Setting standsFor) {
        this.standsFor = standsFor;
    }

    /** The setting of the profile {@code default} this one mirrors, or null. */
    Setting standsFor() {
        return standsFor;
    }

    /** The name of the setting of the profile {@code default} this one mirrors ({@code MJ_API_KEY}), or this one's own name. */
    public String standsForName() {
        return standsFor == null ? name() : standsFor.name();
    }

    /** The name in a properties file or a profile file: {@code base-url}. */
    public String fileKey() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The environment variable of this setting for {@code profile}: {@code MJ_UPSTREAM_SELF_HOSTED_BASE_URL}. */
    public String envName(String profile) {
        return ENV_PREFIX + profile.toUpperCase(Locale.ROOT).replace('-', '_') + "_" + name();
    }

    /** The setting a file names by {@code key}, or null. */
    static ProfileSetting ofFileKey(String key) {
        for (ProfileSetting setting : values()) {
            if (setting.fileKey().equals(key)) {
                return setting;
            }
        }
        return null;
    }
}
