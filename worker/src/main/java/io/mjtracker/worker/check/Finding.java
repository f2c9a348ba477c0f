package io.mjtracker.worker.check;

/**
 * One line of the preflight: what was checked, what was found and, for a problem, what to do.
 *
 * @param hint what to change, or empty
 */
public record Finding(Verdict verdict, String subject, String detail, String hint) {

    /** How a finding counts. */
    public enum Verdict {
        /** The worker has what it needs here. */
        OK,
        /** Worth knowing; the worker runs anyway. */
        NOTE,
        /** The worker would not run, or not correctly. */
        FAILED,
        /** Not asked, because an earlier check failed. */
        SKIPPED;

        /** True where the worker would not run (a skipped check proves nothing). */
        public boolean blocks() {
            return this == FAILED || this == SKIPPED;
        }
    }

    static Finding ok(String subject, String detail) {
        return new Finding(Verdict.OK, subject, detail, "");
    }

    static Finding note(String subject, String detail) {
        return new Finding(Verdict.NOTE, subject, detail, "");
    }

    static Finding failed(String subject, String detail, String hint) {
        return new Finding(Verdict.FAILED, subject, detail, hint);
    }

    static Finding skipped(String subject, String because) {
        return new Finding(Verdict.SKIPPED, subject, because, "");
    }

    /** {@code OK      kafka          reachable ...}, and the hint on a line of its own. */
    public String format() {
        String line = String.format("%-7s %-13s %s", verdict, subject, detail);
        return hint.isEmpty() ? line : line + System.lineSeparator() + " ".repeat(22) + "hint: " + hint;
    }
}
