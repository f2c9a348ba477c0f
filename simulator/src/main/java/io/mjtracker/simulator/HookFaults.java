package io.mjtracker.simulator;

import java.time.Duration;

/**
 * How the simulator's hooks misbehave, as real proxies' callbacks do: they are neither retried nor ordered.
 *
 * @param enabled false: no hook is sent at all (a proxy restarted without its hook URL)
 * @param lossRate share of hooks never sent
 * @param maxDelay each hook leaves after a uniform delay up to this; hooks of one task then arrive out of order
 * @param duplicateRate share of hooks sent twice
 */
public record HookFaults(boolean enabled, double lossRate, Duration maxDelay, double duplicateRate) {

    public static final HookFaults NONE = new HookFaults(true, 0, Duration.ZERO, 0);

    public HookFaults {
        if (lossRate < 0 || lossRate > 1 || duplicateRate < 0 || duplicateRate > 1) {
            throw new IllegalArgumentException("loss and duplicate rates are shares, 0..1");
        }
        if (maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay must not be negative");
        }
    }

    public HookFaults withEnabled(boolean value) {
        return new HookFaults(value, lossRate, maxDelay, duplicateRate);
    }

    public HookFaults withLoss(double rate) {
        return new HookFaults(enabled, rate, maxDelay, duplicateRate);
    }

    public HookFaults withDelay(Duration value) {
        return new HookFaults(enabled, lossRate, value, duplicateRate);
    }

    public HookFaults withDuplicates(double rate) {
        return new HookFaults(enabled, lossRate, maxDelay, rate);
    }
}
