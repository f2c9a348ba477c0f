package io.mjtracker.common.task;

/**
 * A task's progress: the text the upstream sent and the percent it means, where it means one.
 * Accepted forms: {@code "58%"}, {@code "100"}, {@code 58}, {@code 58.5} (rounded down), each within
 * 0..100. Anything else ({@code ""}, {@code null}, absent, {@code "processing"}, {@code "140%"}) has
 * no percent; its text is still kept.
 *
 * @param raw the text as sent (a number's decimal text), or null when absent or null
 * @param percent 0..100, or -1 when unknown
 */
public record Progress(String raw, int percent) {

    public static final Progress ABSENT = new Progress(null, -1);

    /** Reads progress text. */
    public static Progress parse(String raw) {
        if (raw == null) {
            return ABSENT;
        }
        String text = raw.strip();
        if (text.endsWith("%")) {
            text = text.substring(0, text.length() - 1).strip();
        }
        if (text.isEmpty() || text.length() > 12) {
            return new Progress(raw, -1);
        }
        try {
            double value = Double.parseDouble(text);
            return value >= 0 && value <= 100 ? new Progress(raw, (int) value) : new Progress(raw, -1);
        } catch (NumberFormatException e) {
            return new Progress(raw, -1);
        }
    }
}
