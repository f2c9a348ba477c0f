package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.mjtracker.common.record.RequestRef;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** Which due polls go first when the budget cannot send them all, and how they are packed. */
class DispatcherTest {

    private static final long GAP = 120_000;
    private final Dispatcher dispatcher = new Dispatcher(GAP);

    private static TrackedTask task(String id, long firstSeen) {
        TrackedTask task = new TrackedTask(null, new TaskRequest(id, "default", new RequestRef("in", 0, 0), new Header[0],
                JsonNodeFactory.instance.objectNode(), firstSeen, 0, 0, 1), firstSeen);
        task.lastPolledAtMillis = firstSeen;
        return task;
    }

    private static List<String> ids(List<TrackedTask> tasks) {
        return tasks.stream().map(task -> task.id).toList();
    }

    @Test
    void underOverloadFinishingTasksGoBeforeRunningOnesAndQueuedOnesLast() {
        TrackedTask queued = task("queued", 0);
        TrackedTask running = task("running", 0);
        TrackedTask finishing = task("finishing", 0);
        // The queued task has been due longest; it still goes last.
        dispatcher.schedule(queued, 0, 1_000, Urgency.WAITING);
        dispatcher.schedule(running, 0, 2_000, Urgency.RUNNING);
        dispatcher.schedule(finishing, 0, 3_000, Urgency.FINISHING);

        assertThat(dispatcher.millisUntilReady(5_000, task -> true)).isZero();
        assertThat(ids(dispatcher.take(5_000, 1))).containsExactly("finishing");
        assertThat(ids(dispatcher.take(5_000, 1))).containsExactly("running");
        assertThat(ids(dispatcher.take(5_000, 1))).containsExactly("queued");
        assertThat(dispatcher.millisUntilReady(5_000, task -> true)).isEqualTo(-1);
    }

    @Test
    void amongFinishingTasksTheOneThatMayHaveFinishedEarliestGoesFirst() {
        // Both due just after the same sync tick; the later-scheduled one may have been done for longer.
        TrackedTask nearlyDone = task("nearly-done", 0);
        nearlyDone.mayHaveFinishedAtMillis = 14_000;
        TrackedTask doneLongAgo = task("done-long-ago", 0);
        doneLongAgo.mayHaveFinishedAtMillis = 1_000;
        dispatcher.schedule(nearlyDone, 0, 16_000, Urgency.FINISHING);
        dispatcher.schedule(doneLongAgo, 0, 16_000, Urgency.FINISHING);

        dispatcher.millisUntilReady(16_000, task -> true);

        assertThat(ids(dispatcher.take(16_000, 1))).containsExactly("done-long-ago");
        assertThat(ids(dispatcher.take(16_000, 1))).containsExactly("nearly-done");
    }

    @Test
    void aTaskNotPolledForTheMaximumGapGoesFirstWhateverItsClass() {
        TrackedTask starving = task("starving", 0);
        TrackedTask finishing = task("finishing", 100_000);
        dispatcher.schedule(starving, 0, 25_000, Urgency.WAITING);
        dispatcher.schedule(finishing, 100_000, 110_000, Urgency.FINISHING);

        dispatcher.millisUntilReady(GAP, task -> true);

        assertThat(ids(dispatcher.take(GAP, 1))).containsExactly("starving");
    }

    @Test
    void aBatchPacksDueTasksMostUrgentFirstAndLeavesTasksThatAskAloneForARequestOfTheirOwn() {
        TrackedTask alone = task("alone", 0);
        alone.confirmAbsence = true;
        dispatcher.schedule(task("a", 0), 0, 10, Urgency.WAITING);
        dispatcher.schedule(alone, 0, 10, Urgency.FINISHING);
        dispatcher.schedule(task("b", 0), 0, 20, Urgency.FINISHING);
        dispatcher.schedule(task("c", 0), 0, 30, Urgency.RUNNING);
        dispatcher.schedule(task("later", 0), 0, 5_000, Urgency.FINISHING);

        dispatcher.millisUntilReady(100, task -> true);

        assertThat(ids(dispatcher.take(100, 10))).as("the most urgent asks alone").containsExactly("alone");
        assertThat(ids(dispatcher.take(100, 2))).containsExactly("b", "c");
        assertThat(ids(dispatcher.take(100, 10))).as("only what is due").containsExactly("a");
        assertThat(dispatcher.millisUntilReady(100, task -> true)).isEqualTo(4_900);
    }

    @Test
    void aTaskThatAsksAloneIsSkippedByABatchAndSentNext() {
        TrackedTask alone = task("alone", 0);
        alone.notFoundStreak = 1;
        dispatcher.schedule(task("a", 0), 0, 10, Urgency.RUNNING);
        dispatcher.schedule(alone, 0, 20, Urgency.RUNNING);
        dispatcher.schedule(task("b", 0), 0, 30, Urgency.RUNNING);
        dispatcher.millisUntilReady(100, task -> true);

        assertThat(ids(dispatcher.take(100, 10))).containsExactly("a", "b");
        assertThat(ids(dispatcher.take(100, 10))).containsExactly("alone");
    }

    @Test
    void endedTasksAndTasksTheTrackerRefusesAreNeverTaken() {
        TrackedTask ended = task("ended", 0);
        dispatcher.schedule(ended, 0, 10, Urgency.RUNNING);
        dispatcher.schedule(task("timed-out", 0), 0, 10, Urgency.RUNNING);
        dispatcher.schedule(task("live", 0), 0, 10, Urgency.RUNNING);
        ended.ended = true;

        dispatcher.millisUntilReady(100, task -> !task.id.equals("timed-out"));

        assertThat(ids(dispatcher.take(100, 10))).containsExactly("live");
    }

    @Test
    void demandCountsEachScheduledTaskOnceOverItsInterval() {
        TrackedTask every2s = task("a", 0);
        TrackedTask every10s = task("b", 0);
        dispatcher.schedule(every2s, 0, 2_000, Urgency.RUNNING);
        dispatcher.schedule(every10s, 0, 10_000, Urgency.WAITING);
        assertThat(dispatcher.demandPerSecond()).isEqualTo(0.6);

        dispatcher.schedule(every2s, 2_000, 6_000, Urgency.RUNNING);
        dispatcher.forget(every10s);

        assertThat(dispatcher.demandPerSecond()).isEqualTo(0.25);
    }
}
