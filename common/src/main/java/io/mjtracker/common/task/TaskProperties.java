package io.mjtracker.common.task;

/** The {@code properties} object: CometAPI puts the prompt actually used there. */
public record TaskProperties(String finalPrompt, String finalZhPrompt) {

    public static final TaskProperties NONE = new TaskProperties(null, null);
}
