package io.mjtracker.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the logs of a run say about stalls: offset waits, hanging transactions found or aborted, partitions no
 * member owned, transactions the worker aborted and what the coordinator left open of them; the evidence a verdict by task id cannot give, since a stall the worker ended leaves every
 * request answered.
 */
final class WorkerLogs {

    private static final List<String> SIGNS = List.of(
            "wait for their committed offsets",
            "aborted a hanging transaction",
            "has been open since offset",
            "have had no owner in group",
            "result transaction aborted",
            "aborted transaction was still open",
            "committed transaction of this worker is still open",
            "holds records of this worker's committed and of its aborted");

    /** The broker's line for a transaction it completes without writing a marker to some of its partitions. */
    private static final String MARKER_SKIPPED = "Couldn't find leader endpoint for partitions";

    private WorkerLogs() {}

    /**
     * How many lines of the {@code worker-*.log} files in {@code dir} carry each sign, and how many
     * transactions the broker ({@code broker/broker.log}, where there is one) completed without a marker on a
     * leaderless partition: each of those is left hanging there.
     */
    static String stallsIn(Path dir) {
        StringBuilder counts = new StringBuilder();
        for (String sign : SIGNS) {
            counts.append(counts.isEmpty() ? "" : ", ").append('"').append(sign).append("\" ").append(count(dir, sign));
        }
        Path broker = dir.resolve("broker").resolve("broker.log");
        if (Files.exists(broker)) {
            counts.append("; broker: transactions ended without a marker on a leaderless partition ").append(linesWith(broker, MARKER_SKIPPED));
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
