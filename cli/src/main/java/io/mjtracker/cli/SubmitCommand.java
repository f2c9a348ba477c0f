package io.mjtracker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mjtracker.common.record.RecordHeaders;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Produces task ids to the input topic. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Produce task ids to the input topic, keyed by id.",
                "Ids come from arguments, --file, or standard input (one per line; '-' or no ids reads stdin)."})
final class SubmitCommand implements Callable<Integer> {

    private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    @Mixin
    KafkaOptions kafka;

    @Parameters(arity = "0..*", paramLabel = "ID", description = "Task ids.")
    List<String> ids = new ArrayList<>();

    @Option(names = {"-f", "--file"}, description = "File with one task id per line ('#' starts a comment).")
    Path file;

    @Option(names = {"-m", "--metadata"}, paramLabel = "JSON",
            description = "JSON object passed through to the status updates and results, e.g. '{\"user\":\"u-7\"}'.")
    String metadata;

    @Option(names = {"-u", "--upstream"}, paramLabel = "PROFILE",
            description = "Upstream profile to track the tasks on, sent in the header mj-upstream (default: the profile default).")
    String upstream;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode extra = null;
        if (metadata != null) {
            var parsed = mapper.readTree(metadata);
            if (!(parsed instanceof ObjectNode object) || object.has("id") || object.has("upstream")) {
                throw new IllegalArgumentException("--metadata must be a JSON object without an \"id\" or \"upstream\" field"
                        + " (name the upstream with --upstream)");
            }
            extra = object;
        }
        List<String> all = new ArrayList<>();
        for (String id : ids) {
            if (!id.equals("-")) {
                all.add(id);
            }
        }
        if (file != null) {
            all.addAll(readIds(Files.newBufferedReader(file, StandardCharsets.UTF_8)));
        }
        if ((ids.isEmpty() && file == null) || ids.contains("-")) {
            all.addAll(readIds(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))));
        }
        List<String> invalid = all.stream().filter(id -> !VALID_ID.matcher(id).matches()).toList();
        if (!invalid.isEmpty()) {
            throw new IllegalArgumentException(invalid.size() + " invalid id(s), e.g. '" + invalid.getFirst()
                    + "': ids must match [A-Za-z0-9._:-]{1,128}");
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no task ids given (arguments, --file or stdin)");
        }
        Map<String, Object> config = kafka.clientConfig();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String id : all) {
                String value = id;
                if (extra != null) {
                    ObjectNode request = mapper.createObjectNode().put("id", id);
                    request.setAll(extra);
                    value = request.toString();
                }
                ProducerRecord<String, String> record = new ProducerRecord<>(kafka.inputTopic(), id, value);
                if (upstream != null) {
                    record.headers().add(RecordHeaders.UPSTREAM, upstream.getBytes(StandardCharsets.UTF_8));
                }
                sent.add(producer.send(record));
            }
            for (Future<RecordMetadata> future : sent) {
                future.get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not produce to " + kafka.inputTopic() + " at " + kafka.bootstrap() + ": "
                    + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
        System.out.println("submitted " + all.size() + " task id(s) to " + kafka.inputTopic());
        return 0;
    }

    private static List<String> readIds(BufferedReader reader) throws IOException {
        try (reader) {
            return reader.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        }
    }
}
