package io.mjtracker.worker.it;

import io.mjtracker.worker.Worker;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;

/** In-process workers for tests: started under an instance id of their own, asked for their health over HTTP. */
final class Workers {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Workers() {}

    /** A worker with {@code env} and {@code instanceId} (its transactional id and client ids follow from it). */
    static Worker start(Map<String, String> env, String instanceId) {
        Map<String, String> own = new HashMap<>(env);
        own.put("TRACKER_INSTANCE_ID", instanceId);
        return Worker.start(WorkerConfigLoader.load(own));
    }

    /** The status {@code /health/live} answers (the worker needs {@code METRICS_PORT=0}). */
    static int live(Worker worker) throws IOException, InterruptedException {
        return status(worker, "/health/live");
    }

    /** The status {@code /health/ready} answers. */
    static int ready(Worker worker) throws IOException, InterruptedException {
        return status(worker, "/health/ready");
    }

    private static int status(Worker worker, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.metricsPort() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
