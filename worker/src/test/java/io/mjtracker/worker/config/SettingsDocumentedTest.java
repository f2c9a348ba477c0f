package io.mjtracker.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The settings tables say what the code does: docs/configuration.md every setting, its default and its doc
 * line; docs/upstreams.md every profile setting and the variable it stands for.
 */
class SettingsDocumentedTest {

    @Test
    void theConfigurationTableMatchesEverySetting() throws IOException {
        String table = Files.readString(Path.of("..", "docs", "configuration.md"));

        for (Setting setting : Setting.values()) {
            String defaultCell = setting.defaultValue() == null ? "—" : "`" + setting.defaultValue() + "`";
            assertThat(table).as(setting.name())
                    .contains("| `" + setting.name() + "` | " + defaultCell + " | " + setting.doc() + " |");
        }
    }

    @Test
    void theUpstreamsPageListsEveryProfileSettingWithTheVariableItStandsFor() throws IOException {
        String page = Files.readString(Path.of("..", "docs", "upstreams.md"));

        for (ProfileSetting setting : ProfileSetting.values()) {
            String standsFor = setting.standsFor() == null ? "" : "`" + setting.standsFor().name() + "`";
            assertThat(page).as(setting.name()).contains("| `" + setting.fileKey() + "` | " + standsFor);
        }
    }
}
