package io.mjtracker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code mj-tracker} command. */
@Command(name = "mj-tracker", mixinStandardHelpOptions = true, version = "mj-tracker 0.1.0",
        description = "Tracks Midjourney-proxy tasks through Kafka.",
        subcommands = {RunCommand.class, SubmitCommand.class, WatchCommand.class, CheckCommand.class, SimulatorCommand.class,
                CommandLine.HelpCommand.class})
public final class MjTracker {

    private MjTracker() {}

    public static void main(String[] args) {
        // Before anything creates a logger: logback configures itself once, on first use.
        String badLogFormat = LogSetup.choose(args, System.getenv());
        if (badLogFormat != null) {
            System.err.println("mj-tracker: " + badLogFormat);
            System.exit(2);
        }
        System.exit(commandLine().execute(args));
    }

    /** The command tree, for tests. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(MjTracker.class);
        commandLine.setExecutionExceptionHandler((error, line, parsed) -> {
            line.getErr().println("mj-tracker: " + error.getMessage());
            return 1;
        });
        return commandLine;
    }
}
