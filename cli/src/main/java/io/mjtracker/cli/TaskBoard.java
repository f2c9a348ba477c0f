package io.mjtracker.cli;

import io.mjtracker.common.record.FinalResult;
import io.mjtracker.common.record.Outcome;
import io.mjtracker.common.record.StatusUpdate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What is known of each task from the status and result topics. */
final class TaskBoard {

    /** One task's latest state. */
    static final class Row {
        final String taskId;
        String status = "";
        int percent = -1;
        Outcome outcome;
        String reason;
        Long detectionLagMillis;
        int polls;

        Row(String taskId) {
            this.taskId = taskId;
        }
    }

    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final Set<String> only;

    /** @param only the ids to follow, or empty for all */
    TaskBoard(Collection<String> only) {
        this.only = Set.copyOf(only);
        for (String id : only) {
            rows.put(id, new Row(id));
        }
    }

    /** @return whether the board changed */
    boolean apply(StatusUpdate update) {
        Row row = row(update.taskId());
        if (row == null || row.outcome != null) {
            return false;
        }
        row.status = update.status();
        row.percent = update.progressPercent() == null ? row.percent : update.progressPercent();
        row.polls = update.pollCount();
        return true;
    }

    boolean apply(FinalResult result) {
        Row row = row(result.taskId());
        if (row == null) {
            return false;
        }
        row.outcome = result.outcome();
        row.reason = result.reason();
        row.polls = result.tracking().polls();
        Long finished = result.tracking().finishedUpstreamAt();
        row.detectionLagMillis = finished == null || finished <= 0 ? null : result.tracking().detectedAt() - finished;
        return true;
    }

    private Row row(String taskId) {
        if (!only.isEmpty() && !only.contains(taskId)) {
            return null;
        }
        return rows.computeIfAbsent(taskId, Row::new);
    }

    List<Row> rows() {
        return new ArrayList<>(rows.values());
    }

    int size() {
        return rows.size();
    }

    long finished() {
        return rows.values().stream().filter(row -> row.outcome != null).count();
    }

    boolean allFinished() {
        return !rows.isEmpty() && finished() == rows.size();
    }

    boolean allSucceeded() {
        return rows.values().stream().allMatch(row -> row.outcome == Outcome.SUCCEEDED);
    }

    Map<Outcome, Integer> outcomes() {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        rows.values().stream().filter(row -> row.outcome != null).forEach(row -> counts.merge(row.outcome, 1, Integer::sum));
        return counts;
    }
}
