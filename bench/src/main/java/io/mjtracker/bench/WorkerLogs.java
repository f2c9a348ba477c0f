package io.mjtracker.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the worker logs of a run say about stalls on committed offsets: the evidence a verdict by task id
 * cannot give, since a hanging transaction the worker ended leaves every request answered.
 */
final class WorkerLogs {

    private static final List<String> SIGNS = List.of(
            "wait for their committed offsets",
            "aborted a hanging transaction",
            "has been open since offset");

    private WorkerLogs() {}

    /** How many lines of the {@code worker-*.log} files in {@code dir} carry each sign. */
    static String stallsIn(Path dir) {
        StringBuilder counts = new StringBuilder();
        for (String sign : SIGNS) {
            counts.append(counts.isEmpty() ? "" : ", ").append('"').append(sign).append("\" ").append(count(dir, sign));
        }
        return counts.toString();
    }

    private static long count(Path dir, String sign) {
        try (Stream<Path> logs = Files.list(dir)) {
            return logs.filter(file -> file.getFileName().toString().matches("worker-\\d+\\.log"))
                    .mapToLong(file -> linesWith(file, sign)).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long linesWith(Path file, String sign) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.filter(line -> line.contains(sign)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
