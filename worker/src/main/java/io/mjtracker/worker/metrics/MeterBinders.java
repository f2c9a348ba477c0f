package io.mjtracker.worker.metrics;

import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRateLimiterMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.mjtracker.worker.upstream.UpstreamGuard;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** Binds the library meters: Resilience4j, Kafka clients, JVM and process. Closing unbinds what needs it. */
public final class MeterBinders implements AutoCloseable {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** @param guards the upstream guards whose Resilience4j meters to bind, each tagged {@code name=<profile>} */
    public MeterBinders(MeterRegistry registry, List<UpstreamGuard> guards, Consumer<?, ?> consumer, List<Producer<?, ?>> producers) {
        for (UpstreamGuard guard : guards) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(guard.circuitBreakers()).bindTo(registry);
            TaggedRateLimiterMetrics.ofRateLimiterRegistry(guard.rateLimiters()).bindTo(registry);
            TaggedRetryMetrics.ofRetryRegistry(guard.retries()).bindTo(registry);
        }
        KafkaClientMetrics consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(registry);
        closeables.add(consumerMetrics);
        for (Producer<?, ?> producer : producers) {
            KafkaClientMetrics producerMetrics = new KafkaClientMetrics(producer);
            producerMetrics.bindTo(registry);
            closeables.add(producerMetrics);
        }
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    @Override
    public void close() {
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) { // AutoCloseable.close declares Exception; a binder failing to unbind must not stop shutdown
                org.slf4j.LoggerFactory.getLogger(MeterBinders.class).warn("could not unbind {}: {}", closeable, e.toString());
            }
        }
    }
}
