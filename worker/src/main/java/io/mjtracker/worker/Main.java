package io.mjtracker.worker;

import io.mjtracker.worker.check.Preflight;
import io.mjtracker.worker.config.ConfigException;
import io.mjtracker.worker.config.WorkerConfig;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.logging.LogSetup;
import java.time.Duration;
import org.apache.kafka.common.KafkaException;

/**
 * Runs one worker configured from the environment until SIGTERM. Exit status 2: bad configuration; 1: failure.
 * With the argument {@code check} it runs the preflight instead (so an image that holds only the worker can
 * check its own configuration) and exits 0 where the worker would run, 1 where not.
 */
public final class Main {

    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(10);

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            System.exit(command(args));
            return;
        }
        WorkerConfig config;
        try {
            config = WorkerConfigLoader.load(System.getenv());
        } catch (ConfigException e) {
            System.err.println("mj-tracker: " + e.getMessage());
            System.exit(2);
            return;
        }
        LogSetup.apply(config.logging(), config.kafka().instanceId());
        Worker worker;
        try {
            worker = Worker.start(config);
        } catch (IllegalStateException | KafkaException e) {
            // Kafka unreachable past the start-up patience, permissions refused, topics not creatable.
            System.err.println("mj-tracker: " + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("shutdown").unstarted(worker::close));
        Throwable failure = worker.awaitStop();
        if (failure != null) {
            System.exit(1);
        }
    }

    private static int command(String[] args) throws InterruptedException {
        if (args.length != 1 || !args[0].equals("check")) {
            System.err.println("mj-tracker: unknown arguments " + String.join(" ", args)
                    + "; usage: no argument (run the worker) or 'check' (the preflight, 10 s per question)");
            return 2;
        }
        // The preflight prints its own lines; a client's warnings (a broker it cannot reach yet) would bury them.
        LogSetup.forCommand();
        return Preflight.report(System.getenv(), CHECK_TIMEOUT, System.out);
    }
}
