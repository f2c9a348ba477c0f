package io.mjtracker.worker;

import io.mjtracker.worker.config.ConfigException;
import io.mjtracker.worker.config.WorkerConfig;
import io.mjtracker.worker.config.WorkerConfigLoader;
import io.mjtracker.worker.logging.LogSetup;
import org.apache.kafka.common.KafkaException;

/** Runs one worker configured from the environment until SIGTERM. Exit status 2: bad configuration; 1: failure. */
public final class Main {

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
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
}
