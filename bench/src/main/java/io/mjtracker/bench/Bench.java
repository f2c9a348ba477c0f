package io.mjtracker.bench;

/** {@code bench <efficiency|throughput|scale|ratelimit|crash|all>}: prints the figures of BENCHMARKS.md. */
public final class Bench {

    private Bench() {}

    public static void main(String[] args) throws Exception {
        String which = args.length == 0 ? "all" : args[0];
        switch (which) {
            case "efficiency" -> Efficiency.run(10_000);
            case "throughput" -> LiveBenchmarks.throughput(args.length > 1 ? Integer.parseInt(args[1]) : 5);
            case "scale" -> LiveBenchmarks.scale(args.length > 1 ? Integer.parseInt(args[1]) : 100_000);
            case "ratelimit" -> LiveBenchmarks.rateLimitUse();
            case "crash" -> {
                if (!CrashTest.run(args.length > 1 ? Integer.parseInt(args[1]) : 5000)) {
                    System.exit(1);
                }
            }
            case "all" -> {
                Efficiency.run(10_000);
                LiveBenchmarks.rateLimitUse();
                LiveBenchmarks.throughput(5);
                LiveBenchmarks.scale(100_000);
            }
            default -> {
                System.err.println("usage: bench <efficiency|throughput|scale|ratelimit|crash|all>");
                System.exit(2);
            }
        }
    }
}
