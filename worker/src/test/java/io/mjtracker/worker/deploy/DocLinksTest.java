package io.mjtracker.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The docs a newcomer and an operator follow lead somewhere: every relative link, every alert's runbook. */
class DocLinksTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    private static List<Path> markdownPages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md"), ROOT.resolve("CONTRIBUTING.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void everyRelativeLinkOfTheDocsNamesAFileThatExists() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : markdownPages()) {
            Matcher link = LINK.matcher(Files.readString(page));
            while (link.find()) {
                String target = link.group(1);
                if (target.startsWith("http://") || target.startsWith("https://") || target.startsWith("#") || target.startsWith("mailto:")) {
                    continue;
                }
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                checked++;
                if (!Files.exists(page.getParent().resolve(file))) {
                    broken.add(ROOT.relativize(page) + " -> " + target);
                }
            }
        }
        assertThat(checked).as("relative links checked").isGreaterThan(10);
        assertThat(broken).as("links to files that do not exist").isEmpty();
    }

    @Test
    void everyAlertLinksToItsOwnSectionOfTheRunbooks() throws IOException {
        String rules = Files.readString(ROOT.resolve("deploy/prometheus/alerts.yml"));
        String runbooks = Files.readString(ROOT.resolve("docs/runbooks.md"));
        Matcher alert = Pattern.compile("- alert: (\\w+)(.*?)(?=- alert: |\\z)", Pattern.DOTALL).matcher(rules);
        int alerts = 0;
        while (alert.find()) {
            alerts++;
            String name = alert.group(1);
            assertThat(alert.group(2)).as(name).contains("runbook_url: \"docs/runbooks.md#" + name.toLowerCase(Locale.ROOT) + "\"");
            assertThat(runbooks).as("a section for " + name).containsPattern("(?m)^## " + name + "$");
        }
        assertThat(alerts).isGreaterThan(15);
    }
}
