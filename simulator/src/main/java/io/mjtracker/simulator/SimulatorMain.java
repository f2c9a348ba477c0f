package io.mjtracker.simulator;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the simulator on its own: {@code java -jar mj-tracker-simulator.jar --port 8080 --auto-create}.
 * Several providers at once, each on its own port with its own key, dialect, batch route and sync tick,
 * are sections separated by {@code --and}.
 */
public final class SimulatorMain {

    private static final String USAGE = """
            usage: simulator [options]
              --port N            port to listen on (default 8080; 0 = any free port)
              --bind-all          listen on all interfaces, not only loopback (for containers)
              --auto-create       fetches of unknown ids create a task (default: 404)
              --api-key KEY       require this key (default: accept any request)
              --auth-header NAME  header carrying the key (default Authorization, as "Bearer KEY")
              --rate-limit R      answer 429 above R requests/s (token bucket, burst R)
              --latency-ms N      add N ms to every answer
              --error-rate P      share 0..1 of answers that are 5xx
              --queue D..D        queue time range of created tasks, e.g. 0s..3s
              --run D..D          run time range of created tasks, e.g. 3s..10s
              --no-batch          refuse POST /mj/task/list-by-condition (and list-by-ids) with an HTML 404,
                                  as a gateway without the batch route (default: served)
              --batch-cap N       answer at most N tasks per batch, silently leaving out the rest, as a
                                  proxy that pages (default: no cap)
              --refresh D         show task changes only on a sync tick every D since start, e.g. 15s, as a
                                  gateway that syncs unfinished tasks periodically (default: at once)
              --dialect NAME      fields of created tasks: comet, apidoc (string button types), newapi, fork
              --notify-hook URL   POST every task's JSON to URL on each change of status or progress, as a
                                  self-hosted proxy's global notify-hook (a submission's own notifyHook wins)
              --and               starts the options of another provider, served at the same time on its
                                  own port, e.g. --port 8080 --api-key a --and --port 8081 --api-key b
                                  --auth-header mj-api-secret --no-batch --refresh 2s --dialect apidoc
              --help              this text
            Faults can be changed at runtime: curl -X POST 'http://HOST:PORT/sim/faults?outage=true'
            """;

    private SimulatorMain() {}

    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(USAGE);
            return;
        }
        List<UpstreamSimulator> simulators = startAll(args);
        if (simulators == null) {
            System.exit(2);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulators.forEach(UpstreamSimulator::close);
            stopped.countDown();
        }));
        stopped.await();
    }

    /** Starts one provider per section of {@code args} ({@code --and} between them); null where one cannot start. */
    static List<UpstreamSimulator> startAll(String[] args) {
        List<UpstreamSimulator> simulators = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals("--and")) {
                UpstreamSimulator simulator = startProvider(Arrays.copyOfRange(args, start, i));
                start = i + 1;
                if (simulator == null) {
                    simulators.forEach(UpstreamSimulator::close);
                    return null;
                }
                simulators.add(simulator);
            }
        }
        return simulators;
    }

    /** Starts one provider from its options; null (after printing why) where they are wrong. */
    private static UpstreamSimulator startProvider(String[] args) {
        SimulatorConfig config;
        boolean bindAll = false;
        URI notifyHook = null;
        try {
            config = SimulatorConfig.defaults().withPort(8080).withAutoCreate(false);
            TaskMix mix = TaskMix.QUICK;
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                switch (flag) {
                    case "--auto-create" -> config = config.withAutoCreate(true);
                    case "--bind-all" -> bindAll = true;
                    case "--port" -> config = config.withPort(Integer.parseInt(value(args, ++i, flag)));
                    case "--api-key" -> config = config.withApiKey(value(args, ++i, flag), config.authHeader());
                    case "--auth-header" -> config = config.withApiKey(config.apiKey(), value(args, ++i, flag));
                    case "--rate-limit" -> {
                        double rate = Double.parseDouble(value(args, ++i, flag));
                        config = config.withFaults(config.faults().withRateLimit(rate, Math.max(1, (int) rate), true));
                    }
                    case "--latency-ms" -> config = config.withFaults(config.faults()
                            .withLatency(Duration.ofMillis(Long.parseLong(value(args, ++i, flag))), Duration.ZERO));
                    case "--error-rate" -> config = config.withFaults(config.faults().withServerErrorRate(Double.parseDouble(value(args, ++i, flag))));
                    case "--queue" -> {
                        Duration[] range = range(value(args, ++i, flag), flag);
                        mix = new TaskMix(range[0], range[1], mix.runMin(), mix.runMax(), mix.failureShare(), mix.modalShare(), mix.cancelShare(), mix.dialect());
                    }
                    case "--run" -> {
                        Duration[] range = range(value(args, ++i, flag), flag);
                        mix = new TaskMix(mix.queueMin(), mix.queueMax(), range[0], range[1], mix.failureShare(), mix.modalShare(), mix.cancelShare(), mix.dialect());
                    }
                    case "--no-batch" -> config = config.withBatch(false, config.batchCap());
                    case "--batch-cap" -> config = config.withBatch(config.batchRoute(), Integer.parseInt(value(args, ++i, flag)));
                    case "--refresh" -> config = config.withRefresh(duration(value(args, ++i, flag), flag));
                    case "--notify-hook" -> {
                        notifyHook = URI.create(value(args, ++i, flag));
                        if (!"http".equals(notifyHook.getScheme()) && !"https".equals(notifyHook.getScheme())) {
                            throw new IllegalArgumentException("--notify-hook must be an http(s) URL, not '" + notifyHook + "'");
                        }
                    }
                    case "--dialect" -> {
                        String name = value(args, ++i, flag);
                        Dialect dialect = Arrays.stream(Dialect.values()).filter(d -> d.name().equalsIgnoreCase(name)).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("--dialect must be one of "
                                        + Arrays.toString(Dialect.values()).toLowerCase(Locale.ROOT) + ", not '" + name + "'"));
                        mix = new TaskMix(mix.queueMin(), mix.queueMax(), mix.runMin(), mix.runMax(), mix.failureShare(),
                                mix.modalShare(), mix.cancelShare(), dialect);
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + flag + "'");
                }
            }
            config = config.withMix(mix).withClock(Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            System.err.println("simulator: " + e.getMessage() + "\n" + USAGE);
            return null;
        }
        UpstreamSimulator simulator = bindAll ? UpstreamSimulator.startOnAllInterfaces(config) : UpstreamSimulator.start(config);
        simulator.defaultNotifyHook(notifyHook);
        System.out.println("simulator listening at " + simulator.baseUrl() + (config.autoCreate() ? " (auto-create)" : ""));
        return simulator;
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static Duration[] range(String text, String flag) {
        String[] parts = text.split("\\.\\.");
        if (parts.length != 2) {
            throw new IllegalArgumentException(flag + " takes a range like 0s..3s, not '" + text + "'");
        }
        return new Duration[] {duration(parts[0], flag), duration(parts[1], flag)};
    }

    private static Duration duration(String text, String flag) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            if (value.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
            }
            if (value.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException(flag + ": '" + text + "' is not a duration like 500ms, 3s or 2m");
    }
}
