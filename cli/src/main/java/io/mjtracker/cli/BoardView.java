package io.mjtracker.cli;

import io.mjtracker.common.record.Outcome;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Shows a {@link TaskBoard}: on a terminal, a bar per task (the most recent {@value #MAX_ROWS}) and an
 * aggregate line, redrawn in place; elsewhere (pipes, CI logs), one line per change.
 */
final class BoardView {

    static final int MAX_ROWS = 15;
    private static final int BAR = 24;

    private final PrintStream out;
    private final boolean ansi;
    private int drawnLines;

    BoardView(PrintStream out, boolean ansi) {
        this.out = out;
        this.ansi = ansi;
    }

    /** A terminal that understands cursor movement. */
    static boolean terminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    void draw(TaskBoard board) {
        if (!ansi) {
            return;
        }
        StringBuilder text = new StringBuilder();
        if (drawnLines > 0) {
            text.append("\033[").append(drawnLines).append('F');
        }
        List<TaskBoard.Row> rows = board.rows();
        List<TaskBoard.Row> shown = rows.stream().filter(row -> row.outcome == null).limit(MAX_ROWS).toList();
        if (shown.size() < MAX_ROWS) {
            List<TaskBoard.Row> done = rows.stream().filter(row -> row.outcome != null).toList();
            shown = java.util.stream.Stream.concat(shown.stream(),
                    done.subList(Math.max(0, done.size() - (MAX_ROWS - shown.size())), done.size()).stream()).toList();
        }
        int lines = 0;
        for (TaskBoard.Row row : shown) {
            text.append("\033[2K").append(line(row)).append('\n');
            lines++;
        }
        text.append("\033[2K").append(summaryLine(board)).append('\n');
        lines++;
        for (int i = lines; i < drawnLines; i++) {
            text.append("\033[2K\n");
        }
        drawnLines = Math.max(lines, drawnLines);
        out.print(text);
        out.flush();
    }

    /** Without a terminal: print what just changed. */
    void changed(TaskBoard.Row row) {
        if (!ansi) {
            out.println(line(row));
        }
    }

    static String line(TaskBoard.Row row) {
        int percent = row.outcome == Outcome.SUCCEEDED ? 100 : Math.max(row.percent, 0);
        int filled = percent * BAR / 100;
        String state = row.outcome != null ? row.outcome.name() : row.status.isEmpty() ? "WAITING" : row.status;
        String bar = "#".repeat(filled) + "-".repeat(BAR - filled);
        String detail = row.outcome == null ? "" : row.reason != null && !row.reason.isEmpty() ? "  " + row.reason
                : row.detectionLagMillis != null ? "  detected " + row.detectionLagMillis + " ms after finish" : "";
        return String.format("%-20s [%s] %3d%%  %-12s polls %-3d%s", shorten(row.taskId), bar, percent, state, row.polls, detail);
    }

    static String summaryLine(TaskBoard board) {
        StringBuilder text = new StringBuilder(String.format("%d/%d finished", board.finished(), board.size()));
        for (Map.Entry<Outcome, Integer> entry : board.outcomes().entrySet()) {
            text.append("  ").append(entry.getKey().name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(entry.getValue());
        }
        return text.toString();
    }

    /** The closing summary: outcomes, polls per task and detection lag. */
    void summary(TaskBoard board, Duration elapsed) {
        out.println();
        out.println("summary after " + elapsed.toSeconds() + " s: " + summaryLine(board));
        List<TaskBoard.Row> rows = board.rows();
        double polls = rows.stream().mapToInt(row -> row.polls).average().orElse(0);
        List<Long> lags = rows.stream().map(row -> row.detectionLagMillis).filter(java.util.Objects::nonNull).sorted().toList();
        out.printf("  requests per task: %.1f%n", polls);
        if (!lags.isEmpty()) {
            out.printf("  detection lag (result after upstream finish): p50 %d ms, p95 %d ms, max %d ms%n",
                    lags.get(lags.size() / 2), lags.get(Math.min(lags.size() - 1, lags.size() * 95 / 100)), lags.getLast());
        }
        out.flush();
    }

    private static String shorten(String id) {
        return id.length() <= 20 ? id : id.substring(0, 17) + "...";
    }
}
