package io.mjtracker.worker.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Gathers the named upstream profiles' raw values from their three sources, each overriding the one
 * before: a directory of one file per profile ({@code MJ_UPSTREAMS_DIR}, e.g. mounted secrets:
 * {@code comet.properties} holding {@code base-url=...}, {@code key=...}), the properties file
 * ({@code upstream.comet.base-url=...}) and the environment ({@code MJ_UPSTREAM_COMET_BASE_URL=...}).
 * A name that is not a profile setting, or a profile name outside {@link #NAME}, is a problem; no
 * message shows a value, since keys are among them.
 */
final class ProfileSources {

    /** Lower-case letters, digits and inner dashes, up to 40: a metric tag and an environment name as well. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");
    static final String FILE_PREFIX = "upstream.";
    private static final String PROFILE_FILE_SUFFIX = ".properties";

    private final ConfigReader reader;
    private final Map<String, Map<ProfileSetting, String>> profiles = new TreeMap<>();

    ProfileSources(ConfigReader reader) {
        this.reader = reader;
    }

    /** Every named profile with the values given for it, by name. */
    Map<String, Map<ProfileSetting, String>> profiles() {
        return profiles;
    }

    /** Reads {@code <name>.properties} files; hidden entries (a Kubernetes volume's {@code ..data}) are skipped. */
    void readDirectory(Path directory) {
        if (!Files.isDirectory(directory)) {
            reader.problem("MJ_UPSTREAMS_DIR is not a readable directory: " + directory);
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (file.startsWith(".")) {
                    continue;
                }
                if (!file.endsWith(PROFILE_FILE_SUFFIX) || Files.isDirectory(entry)) {
                    reader.problem("MJ_UPSTREAMS_DIR holds '" + file + "', which is not a profile file <name>"
                            + PROFILE_FILE_SUFFIX);
                    continue;
                }
                String name = file.substring(0, file.length() - PROFILE_FILE_SUFFIX.length());
                Properties values = load(entry);
                if (values != null) {
                    values.stringPropertyNames().forEach(key ->
                            put(name, key, values.getProperty(key), "'" + key + "' in " + entry));
                }
            }
        } catch (IOException e) {
            reader.problem("MJ_UPSTREAMS_DIR cannot be read: " + directory + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Takes {@code upstream.<name>.<setting>} entries of the properties file. */
    void readFileEntry(String key, String value) {
        String rest = key.substring(FILE_PREFIX.length());
        int dot = rest.lastIndexOf('.');
        if (dot <= 0) {
            reader.problem("TRACKER_CONFIG_FILE entry '" + key + "' is not upstream.<profile>.<setting>");
            return;
        }
        put(rest.substring(0, dot), rest.substring(dot + 1), value, "'" + key + "' in TRACKER_CONFIG_FILE");
    }

    /** Takes {@code MJ_UPSTREAM_<NAME>_<SETTING>} variables; the longest setting name that ends the variable wins. */
    void readEnvironment(Map<String, String> environment) {
        environment.forEach((variable, value) -> {
            if (!variable.startsWith(ProfileSetting.ENV_PREFIX)) {
                return;
            }
            String rest = variable.substring(ProfileSetting.ENV_PREFIX.length());
            ProfileSetting matched = null;
            for (ProfileSetting setting : ProfileSetting.values()) {
                boolean ends = rest.endsWith("_" + setting.name()) && rest.length() > setting.name().length() + 1;
                if (ends && (matched == null || setting.name().length() > matched.name().length())) {
                    matched = setting;
                }
            }
            if (matched == null) {
                reader.problem(variable + " is not MJ_UPSTREAM_<PROFILE>_<SETTING> with a setting among " + settingNames());
                return;
            }
            String profile = rest.substring(0, rest.length() - matched.name().length() - 1)
                    .toLowerCase(Locale.ROOT).replace('_', '-');
            put(profile, matched.fileKey(), value, variable);
        });
    }

    private void put(String profile, String key, String value, String source) {
        if (profile.equals(UpstreamProfile.DEFAULT)) {
            reader.problem(source + ": the profile 'default' is configured with the MJ_API_* settings, not as a named profile");
            return;
        }
        if (!NAME.matcher(profile).matches()) {
            reader.problem(source + ": profile name '" + profile
                    + "' must be lower-case letters, digits and inner dashes, at most 40 characters");
            return;
        }
        ProfileSetting setting = ProfileSetting.ofFileKey(key);
        if (setting == null) {
            reader.problem(source + ": '" + key + "' is not a profile setting; they are " + settingNames());
            return;
        }
        if (value != null && !value.isBlank()) {
            profiles.computeIfAbsent(profile, name -> new EnumMap<>(ProfileSetting.class)).put(setting, value.trim());
        }
    }

    private Properties load(Path file) {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
            return properties;
        } catch (IOException e) {
            reader.problem("profile file cannot be read: " + file + " (" + e.getClass().getSimpleName() + ")");
            return null;
        }
    }

    private static String settingNames() {
        return java.util.Arrays.stream(ProfileSetting.values()).map(ProfileSetting::fileKey).toList().toString();
    }
}
