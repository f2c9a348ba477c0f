package io.mjtracker.simulator;

import java.nio.charset.StandardCharsets;

/** Writes a task's JSON in its dialect. Hand-built: it is on the hot path of the throughput benchmark. */
final class TaskRenderer {

    private final String imageBase;

    TaskRenderer(String imageBase) {
        this.imageBase = imageBase;
    }

    byte[] render(String id, TaskScript script, TaskState state) {
        Dialect dialect = script.dialect();
        boolean success = state.status().equals("SUCCESS");
        StringBuilder json = new StringBuilder(640);
        json.append('{');
        field(json, "id", id).append(',');
        field(json, "action", "IMAGINE").append(',');
        if (dialect == Dialect.COMET) {
            field(json, "botType", "MID_JOURNEY").append(',');
            field(json, "customId", "").append(',');
        }
        field(json, "prompt", "a lighthouse at dusk --v 6.1").append(',');
        field(json, "promptEn", "a lighthouse at dusk --v 6.1").append(',');
        field(json, "description", "Submit success").append(',');
        if (dialect == Dialect.APIDOC) {
            field(json, "state", "").append(',');
        }
        json.append("\"submitTime\":").append(state.submitTime()).append(',');
        json.append("\"startTime\":").append(state.startTime()).append(',');
        json.append("\"finishTime\":").append(state.finishTime()).append(',');
        field(json, "status", state.status()).append(',');
        field(json, "progress", state.progress() + "%").append(',');
        field(json, "imageUrl", success ? imageBase + id : "").append(',');
        if (dialect == Dialect.COMET) {
            field(json, "videoUrl", "").append(',');
        }
        field(json, "failReason", state.status().equals("FAILURE") && script.failReason() != null ? script.failReason() : "");
        json.append(",\"buttons\":[");
        if (success) {
            buttons(json, id, dialect);
        }
        json.append(']');
        switch (dialect) {
            case COMET -> json.append(",\"properties\":{\"finalPrompt\":\"a lighthouse at dusk --v 6.1\"}");
            case APIDOC -> json.append(",\"properties\":{}");
            case FORK -> json.append(",\"imageUrls\":[{\"url\":\"").append(imageBase).append(id).append("/0\",\"thumbnail\":null}]")
                    .append(",\"videoUrls\":[],\"seed\":\"").append(Math.abs(id.hashCode())).append("\",\"parentId\":null,\"isCompleted\":")
                    .append(success || state.status().equals("FAILURE"));
            case NEWAPI -> { }
        }
        json.append('}');
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void buttons(StringBuilder json, String id, Dialect dialect) {
        String[] kinds = {"upsample", "variation"};
        boolean first = true;
        for (String kind : kinds) {
            for (int i = 1; i <= 4; i++) {
                if (!first) {
                    json.append(',');
                }
                first = false;
                json.append("{\"customId\":\"MJ::JOB::").append(kind).append("::").append(i).append("::").append(id)
                        .append("\",\"label\":\"").append(kind.charAt(0) == 'u' ? 'U' : 'V').append(i).append('"');
                if (dialect == Dialect.APIDOC) {
                    json.append(",\"type\":\"2\",\"style\":\"2\",\"emoji\":\"\"");
                } else {
                    json.append(",\"type\":2,\"style\":2");
                    if (dialect == Dialect.COMET) {
                        json.append(",\"emoji\":\"\"");
                    }
                }
                json.append('}');
            }
        }
    }

    /** Appends {@code "name":"value"} with the value escaped. */
    static StringBuilder field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        return json.append('"');
    }
}
