package io.mjtracker.worker.publish;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Shrinks a task's JSON to a byte budget by dropping its largest fields first (a base64 mask, a huge
 * prompt), keeping {@code id}, {@code status}, {@code progress} and the result URLs, which is what
 * consumers of a result need most. Returns null where even that does not fit.
 */
final class TaskTrimmer {

    private static final Set<String> KEPT = Set.of("id", "status", "progress", "imageUrl", "videoUrl", "failReason", "finishTime");

    private final ObjectMapper mapper;

    TaskTrimmer(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    String trim(String taskJson, int budgetBytes) {
        if (taskJson == null) {
            return null;
        }
        ObjectNode task;
        try {
            JsonNode parsed = mapper.readTree(taskJson);
            if (!(parsed instanceof ObjectNode object)) {
                return null;
            }
            task = object;
        } catch (JacksonException e) {
            return null;
        }
        List<Map.Entry<String, Integer>> bySize = new ArrayList<>();
        for (var field : task.properties()) {
            if (!KEPT.contains(field.getKey())) {
                bySize.add(Map.entry(field.getKey(), field.getValue().toString().length()));
            }
        }
        bySize.sort(Comparator.comparing(Map.Entry<String, Integer>::getValue).reversed());
        String text = task.toString();
        for (var field : bySize) {
            if (size(text) <= budgetBytes) {
                return text;
            }
            task.remove(field.getKey());
            text = task.toString();
        }
        return size(text) <= budgetBytes ? text : null;
    }

    private static int size(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
