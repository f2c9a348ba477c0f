package io.mjtracker.cli;

import io.mjtracker.simulator.SimulatorMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** Runs the upstream simulator on its own. */
@Command(name = "simulator", description = "Run the upstream simulator (options: mj-tracker simulator --help).")
final class SimulatorCommand implements Callable<Integer> {

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        SimulatorMain.main(args.toArray(String[]::new));
        return 0;
    }
}
