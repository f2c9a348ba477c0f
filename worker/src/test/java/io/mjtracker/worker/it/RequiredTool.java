package io.mjtracker.worker.it;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * An outside program that a test drives for real (kcat, Prometheus). Where it is missing the test is
 * skipped, except in CI ({@code CI=true}, as CI services and {@code .ci/run} set it): there a skip would
 * turn the build green without the test, so it fails instead.
 */
final class RequiredTool {

    private RequiredTool() {}

    /** Returns normally where {@code command --version}-style {@code probe} runs and exits 0. */
    static void require(String command, String probe, String install) {
        if (runs(command, probe)) {
            return;
        }
        String message = command + " is not installed (" + install + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + "; CI=true, so the test may not be skipped");
        }
        assumeTrue(false, message);
    }

    private static boolean runs(String command, String probe) {
        try {
            Process process = new ProcessBuilder(command, probe).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
