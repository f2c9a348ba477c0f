package io.mjtracker.bench;

import java.time.Duration;
import java.util.List;

/**
 * {@code bench <efficiency|throughput|scale|ratelimit|startup-pacing|capacity|capacity-refresh|crash|crash-backlog|crash-churn|crash-churn-stops|outage-flush|faulty-network|silent-upstream|cluster-chaos|shared-budget|multi-upstream|hooks|all>}: prints the figures of
 * BENCHMARKS.md. The crash tests exit with status 1 when exactly one result per request did not hold.
 */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        switch (which) {
            case "efficiency" -> Efficiency.run(10_000);
            case "throughput" -> LiveBenchmarks.throughput(args.length > 1 ? Integer.parseInt(args[1]) : 5);
            case "scale" -> LiveBenchmarks.scale(args.length > 1 ? Integer.parseInt(args[1]) : 100_000);
            case "ratelimit" -> LiveBenchmarks.rateLimitUse();
            case "startup-pacing" -> StartupPacing.run(args.length > 1 ? Integer.parseInt(args[1]) : 20);
            case "capacity" -> Capacity.run(sizes(args, List.of(200, 2_000, 20_000, 100_000)), Duration.ZERO, Duration.ofMinutes(10), modes(args));
            case "capacity-refresh" -> Capacity.run(sizes(args, List.of(200)), Duration.ofSeconds(15), Duration.ofMinutes(10), modes(args));
            case "crash" -> exitOnViolation(CrashTest.run(args.length > 1 ? Integer.parseInt(args[1]) : 5000));
            case "crash-backlog" -> exitOnViolation(CrashTest.runBacklog(args.length > 1 ? Integer.parseInt(args[1]) : 1500));
            case "outage-flush" -> exitOnViolation(OutageFlush.run(args.length > 1 ? Integer.parseInt(args[1]) : 100_000,
                    Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 300)));
            case "crash-churn", "crash-churn-stops" -> exitOnViolation(CrashTest.runChurn(args.length > 1 ? Integer.parseInt(args[1]) : 1500,
                    args.length > 2 ? Integer.parseInt(args[2]) : 10, which.equals("crash-churn-stops"),
                    args.length > 3 ? Integer.parseInt(args[3]) : 0));
            case "faulty-network" -> exitOnViolation(FaultyNetwork.run(args.length > 1 ? Integer.parseInt(args[1]) : 1500,
                    args.length > 2 ? Integer.parseInt(args[2]) : 3));
            case "silent-upstream" -> exitOnViolation(SilentUpstream.run(args.length > 1 ? Integer.parseInt(args[1]) : 5000,
                    Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 300)));
            case "cluster-chaos" -> exitOnViolation(ClusterChaos.run(args.length > 1 ? Integer.parseInt(args[1]) : 3000,
                    Duration.ofSeconds(args.length > 2 ? Integer.parseInt(args[2]) : 300)));
            case "shared-budget" -> SharedBudget.run(args.length > 1 ? Integer.parseInt(args[1]) : 3);
            case "hooks" -> exitOnViolation(HookBench.run(args.length > 1 ? Integer.parseInt(args[1]) : 600,
                    args.length > 2 ? Double.parseDouble(args[2]) : 4,
                    args.length > 3 ? java.util.Set.of(args[3].split(",")) : java.util.Set.of()));
            case "multi-upstream" -> MultiUpstream.run(args.length > 1 ? Integer.parseInt(args[1]) : 2_000, Duration.ofMinutes(10));
            case "image" -> exitOnViolation(ImageCheck.run(args.length > 1 ? args[1] : "localhost/mj-tracker:test",
                    List.of((System.getenv().getOrDefault("PODMAN", "podman --runtime runc")).split(" "))));
            case "all" -> {
                Efficiency.run(10_000);
                LiveBenchmarks.rateLimitUse();
                LiveBenchmarks.throughput(5);
                LiveBenchmarks.scale(100_000);
            }
            default -> {
                System.err.println("usage: bench <efficiency|throughput|scale|ratelimit|startup-pacing [starts]|capacity [n,...]|capacity-refresh [n,...]"
                        + "|crash|crash-backlog|crash-churn|crash-churn-stops|outage-flush|faulty-network [n] [runs]|silent-upstream [n] [s]|cluster-chaos [n] [s]|shared-budget|multi-upstream [n]|hooks [n] [per s] [runs]|image [image]|all>");
                System.exit(2);
            }
        }
    }

    /** Task counts given as {@code 200,2000}, or the default ones. */
    private static List<Integer> sizes(String[] args, List<Integer> defaults) {
        return args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).map(Integer::parseInt).toList() : defaults;
    }

    /** The modes given as {@code batch,single} after the sizes, or none: all of them. */
    private static java.util.Set<String> modes(String[] args) {
        return args.length > 2 ? java.util.Set.of(args[2].split(",")) : java.util.Set.of();
    }

    private static void exitOnViolation(boolean held) {
        if (!held) {
            System.exit(1);
        }
    }
}
