package io.mjtracker.worker.check;

import io.mjtracker.common.task.TaskCodec;
import io.mjtracker.worker.config.ProfileSetting;
import io.mjtracker.worker.config.UpstreamProfile;
import io.mjtracker.worker.config.UpstreamSettings;
import io.mjtracker.worker.upstream.Egress;
import io.mjtracker.worker.upstream.FetchResult;
import io.mjtracker.worker.upstream.HttpUpstreamClient;
import io.mjtracker.worker.upstream.ResponseClassifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the upstream what the worker will ask it: fetches of a task id that cannot exist, through the
 * worker's own HTTP client and answer classification, so "key accepted" means what it means to the
 * worker (an answer of not-found, where a wrong key gets 401/403 and a wrong base URL an HTML page or
 * a redirect). Then whether the batch route exists, which the worker does not need.
 */
final class UpstreamProbe {

    /** Three fetches: enough for a median, negligible against any request budget. */
    private static final int SAMPLES = 3;
    static final String BATCH_PATH = "/mj/task/list-by-condition";

    private final String profile;
    private final UpstreamSettings settings;
    private final Duration timeout;

    /** @param profile the upstream profile probed, named in every finding but those of {@code default} */
    UpstreamProbe(String profile, UpstreamSettings settings, Duration timeout) {
        this.profile = profile;
        this.settings = settings;
        this.timeout = timeout;
    }

    private String subject(String what) {
        return profile.equals(UpstreamProfile.DEFAULT) ? what : what + " [" + profile + "]";
    }

    /**
     * The setting to fix, as this profile names it: {@code MJ_API_KEY} for {@code default},
     * {@code MJ_UPSTREAM_COMET_KEY} (or {@code key} in its profile file) for {@code comet}.
     */
    private String named(ProfileSetting setting) {
        return profile.equals(UpstreamProfile.DEFAULT) ? setting.standsForName()
                : setting.envName(profile) + " (" + setting.fileKey() + " in its profile file)";
    }

    List<Finding> run() throws InterruptedException {
        String unknownId = "mj-tracker-check-" + System.nanoTime();
        List<Long> millis = new ArrayList<>();
        FetchResult result = null;
        try (HttpUpstreamClient client = new HttpUpstreamClient(settings,
                new ResponseClassifier(new TaskCodec(), settings.apiKey(), Clock.systemUTC()))) {
            for (int i = 0; i < SAMPLES; i++) {
                long start = System.nanoTime();
                result = fetch(client, unknownId);
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                if (!answered(result)) {
                    break;
                }
            }
        }
        List<Finding> findings = new ArrayList<>();
        String fetchUrl = settings.baseUrl() + "/mj/task/{id}/fetch";
        if (!answered(result)) {
            findings.add(Finding.failed(subject("upstream"), "no answer from " + fetchUrl + ": " + describe(result),
                    "check " + named(ProfileSetting.BASE_URL) + ": its host and port; the network path, HTTPS_PROXY/HTTP_PROXY/NO_PROXY "
                            + "and, behind a TLS-inspecting proxy, MJ_API_CA_FILE"));
            findings.add(Finding.skipped(subject("api key"), "upstream not reachable"));
            findings.add(Finding.skipped(subject("batch route"), "upstream not reachable"));
            return findings;
        }
        if (result instanceof FetchResult.Misconfigured misconfigured) {
            findings.add(Finding.failed(subject("upstream"), "answers, but not as the API: " + misconfigured.message(), baseUrlHint()));
            findings.add(Finding.skipped(subject("api key"), "the base URL looks wrong"));
            findings.add(Finding.skipped(subject("batch route"), "the base URL looks wrong"));
            return findings;
        }
        findings.add(Finding.ok(subject("upstream"), "reachable: " + fetchUrl));
        findings.add(key(result));
        findings.add(batchRoute(unknownId));
        findings.add(latency(millis));
        return findings;
    }

    private FetchResult fetch(HttpUpstreamClient client, String id) throws InterruptedException {
        try {
            return client.fetch(id).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) { // fetch() completes normally by contract; kept as an answer anyway
            return new FetchResult.IoFailure(e.getCause().toString());
        } catch (TimeoutException e) {
            return new FetchResult.Timeout("no answer within " + timeout.toSeconds() + " s");
        }
    }

    private static boolean answered(FetchResult result) {
        return !(result instanceof FetchResult.Timeout || result instanceof FetchResult.IoFailure);
    }

    private Finding key(FetchResult result) {
        return switch (result) {
            case FetchResult.NotFound notFound -> Finding.ok(subject("api key"), "accepted: a fetch of an unknown task answered not found ("
                    + notFound.message() + ")");
            case FetchResult.Found found -> Finding.ok(subject("api key"), "accepted: a fetch of an unknown id answered a task "
                    + "(an upstream that creates tasks on fetch, such as the simulator with --auto-create)");
            case FetchResult.Unauthorized unauthorized -> Finding.failed(subject("api key"), "rejected: " + unauthorized.message(),
                    "check " + named(ProfileSetting.KEY) + " or " + named(ProfileSetting.KEY_FILE) + ", and "
                            + named(ProfileSetting.AUTH_HEADER) + " (Authorization sends 'Bearer <key>'; "
                            + "self-hosted midjourney-proxy expects mj-api-secret)");
            case FetchResult.RateLimited limited -> Finding.failed(subject("api key"), "not verified: the upstream answered 429 "
                    + "(rate limited)", "run check again later; another client may be spending this key's budget");
            default -> Finding.failed(subject("api key"), "not verified: " + describe(result),
                    "the upstream answered, but not as the Midjourney-proxy API does; " + baseUrlHint());
        };
    }

    private String baseUrlHint() {
        String path = settings.baseUrl().getPath() == null ? "" : settings.baseUrl().getPath();
        String hint = named(ProfileSetting.BASE_URL) + " is the API's root; the worker appends /mj/task/{id}/fetch itself";
        return path.endsWith("/mj") ? hint + ", so drop the trailing /mj" : hint;
    }

    /** {@code POST /mj/task/list-by-condition {"ids":[...]}}: supported where it answers a JSON array. */
    private Finding batchRoute(String unknownId) throws InterruptedException {
        URI uri = URI.create(settings.baseUrl() + BATCH_PATH);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header(settings.authHeader(), settings.bearerAuth() ? "Bearer " + settings.apiKey().reveal() : settings.apiKey().reveal())
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"" + unknownId + "\"]}")).build();
        try (HttpClient http = Egress.clientBuilder(settings.egress()).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout()).build()) {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            String body = response.body().strip();
            int status = response.statusCode();
            if (status == 200 && body.startsWith("[")) {
                return Finding.note(subject("batch route"), "supported: POST " + BATCH_PATH + " answered a list");
            }
            if (status == 404 || status == 405 || body.startsWith("<")) {
                return Finding.note(subject("batch route"), "not supported: POST " + BATCH_PATH + " answered HTTP " + status
                        + (body.startsWith("<") ? " with an HTML page" : "") + "; the worker fetches tasks one by one");
            }
            return Finding.note(subject("batch route"), "unknown: POST " + BATCH_PATH + " answered HTTP " + status);
        } catch (IOException e) {
            return Finding.note(subject("batch route"), "unknown: POST " + BATCH_PATH + " failed (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Finding latency(List<Long> millis) {
        List<Long> sorted = millis.stream().sorted().toList();
        long median = sorted.get(sorted.size() / 2);
        String detail = "median " + median + " ms, max " + sorted.getLast() + " ms over " + sorted.size() + " fetches";
        if (median * 2 > settings.requestTimeout().toMillis()) {
            return Finding.note(subject("latency"), detail + ": more than half of MJ_API_REQUEST_TIMEOUT ("
                    + settings.requestTimeout().toMillis() + " ms); consider raising it");
        }
        return Finding.ok(subject("latency"), detail);
    }

    private static String describe(FetchResult result) {
        return switch (result) {
            case FetchResult.Timeout timeout -> timeout.message();
            case FetchResult.IoFailure failure -> failure.message();
            case FetchResult.ServerError error -> error.message();
            case FetchResult.Malformed malformed -> malformed.message();
            case null -> "no request made";
            default -> result.metricTag();
        };
    }
}
