package io.mjtracker.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Follows the status and result topics live. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Follow status updates and final results live.",
                "With ids: exits when all of them are final; exit status 0 when all SUCCEEDED, 1 when any did not, 3 on --timeout.",
                "Without ids: follows every task until Ctrl-C or --timeout, then prints the summary and exits 0."})
final class WatchCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Only these task ids (default: every task).")
    List<String> ids = new ArrayList<>();

    @Option(names = "--from-beginning", description = "Read the topics from their start, not only new records (default: true with ids).")
    Boolean fromBeginning;

    @Option(names = "--timeout", converter = DurationConverter.class,
            description = "With ids: give up after this long, e.g. 10m; without: follow this long (default: no limit).")
    Duration timeout;

    @Override
    public Integer call() {
        boolean beginning = fromBeginning != null ? fromBeginning : !ids.isEmpty();
        TaskBoard board = new TaskBoard(ids);
        BoardView view = new BoardView(System.out, BoardView.terminal());
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        long started = System.nanoTime();
        try (OutputFollower follower = new OutputFollower(kafka.clientConfig(), kafka.statusTopic(), kafka.completedTopic(), beginning)) {
            while (ids.isEmpty() || !board.allFinished()) {
                if (System.nanoTime() - deadline > 0) {
                    view.summary(board, Duration.ofNanos(System.nanoTime() - started));
                    if (ids.isEmpty()) {
                        // Following everything has no end to miss: the time asked for is up, nothing failed.
                        return 0;
                    }
                    System.err.println("mj-tracker: timed out with " + (board.size() - board.finished()) + " task(s) unfinished");
                    return 3;
                }
                follower.poll(board, Duration.ofMillis(250), view::changed);
                view.draw(board);
            }
        }
        view.summary(board, Duration.ofNanos(System.nanoTime() - started));
        return board.allSucceeded() ? 0 : 1;
    }
}
