package io.mjtracker.common.task;

/** A body that is not a task. Its message quotes at most a short, sanitized piece of the body. */
public final class TaskParseException extends RuntimeException {

    /** Why the body is not a task. */
    public enum Reason {
        /** No bytes, or only white space. */
        EMPTY,
        /** An HTML page: usually a wrong base URL or a proxy's error page. */
        HTML,
        /** Not JSON at all. */
        NOT_JSON,
        /** JSON that ends too early. */
        TRUNCATED,
        /** Valid JSON but not an object ({@code null}, an array, a number). */
        NOT_AN_OBJECT,
        /** An object without task fields: an error answer such as {@code {"error":{...}}} or {@code {"code":4,...}}. */
        ERROR_OBJECT
    }

    private final Reason reason;

    public TaskParseException(Reason reason, String message) {
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
