package io.mjtracker.simulator;

/**
 * A simulated task at one moment.
 *
 * @param visible false while the task is still invisible
 * @param progress 0..100
 * @param startTime epoch ms the run started, or 0 before
 * @param finishTime epoch ms it ended, or 0 before
 */
public record TaskState(boolean visible, String status, int progress, long submitTime, long startTime, long finishTime) {

    /** The state of a task created at {@code createdAt} with {@code script}, at {@code now}. */
    public static TaskState at(TaskScript script, long createdAt, long now) {
        long visibleAt = createdAt + script.invisibleFor().toMillis();
        if (now < visibleAt) {
            return new TaskState(false, "", 0, 0, 0, 0);
        }
        long startAt = visibleAt + script.queueFor().toMillis();
        long endAt = startAt + script.runFor().toMillis();
        if (now < startAt) {
            String status = now < visibleAt + script.emptyStatusFor().toMillis() ? ""
                    : now < visibleAt + script.queueFor().toMillis() / 2 ? "NOT_START" : "SUBMITTED";
            return new TaskState(true, status, 0, createdAt, 0, 0);
        }
        if (now < endAt) {
            long run = Math.max(1, script.runFor().toMillis());
            // Midjourney reports progress in coarse steps; model 5% steps.
            int progress = (int) ((now - startAt) * 100 / run) / 5 * 5;
            return new TaskState(true, "IN_PROGRESS", Math.min(progress, 95), createdAt, startAt, 0);
        }
        boolean modal = script.end().equals("MODAL");
        return new TaskState(true, script.end(), modal ? 0 : 100, createdAt, startAt, modal ? 0 : endAt);
    }
}
