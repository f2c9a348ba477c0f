package io.mjtracker.worker.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the worker is configured with, read once at start by {@link WorkerConfigLoader} and
 * passed to the components that need a part of it.
 *
 * @param upstreams the upstream profiles, {@code default} first where it is configured
 * @param egress the proxy and extra trust every profile's requests go out with: one for the worker
 * @param metricsPort port of the metrics and health endpoint; 0 picks a free port, -1 disables it
 * @param hooks the hook receiver and the hints it passes on (used where a profile has a hook token)
 */
public record WorkerConfig(
        KafkaSettings kafka,
        List<UpstreamProfile> upstreams,
        EgressSettings egress,
        TrackingSettings tracking,
        int metricsPort,
        HookSettings hooks,
        Duration shutdownTimeout,
        LogSettings logging) {

    public WorkerConfig {
        upstreams = List.copyOf(upstreams);
    }

    /** The profile named {@code name}. */
    public Optional<UpstreamProfile> upstream(String name) {
        return upstreams.stream().filter(profile -> profile.name().equals(name)).findFirst();
    }

    /** Whether any profile takes hooks: only then does the worker receive hooks and read hints. */
    public boolean hooksEnabled() {
        return upstreams.stream().anyMatch(UpstreamProfile::hooked);
    }
}
