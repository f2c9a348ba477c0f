package io.mjtracker.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table says what the code does: every setting, its default and its doc line. */
class SettingsDocumentedTest {

    @Test
    void readmeTableMatchesEverySetting() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));

        for (Setting setting : Setting.values()) {
            String defaultCell = setting.defaultValue() == null ? "—" : "`" + setting.defaultValue() + "`";
            assertThat(readme).as(setting.name())
                    .contains("| `" + setting.name() + "` | " + defaultCell + " | " + setting.doc() + " |");
        }
    }

    @Test
    void readmeListsEveryProfileSettingWithTheVariableItStandsFor() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));

        for (ProfileSetting setting : ProfileSetting.values()) {
            String standsFor = setting.standsFor() == null ? "" : "`" + setting.standsFor().name() + "`";
            assertThat(readme).as(setting.name()).contains("| `" + setting.fileKey() + "` | " + standsFor);
        }
    }
}
