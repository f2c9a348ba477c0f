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
    private final MeterRegistry registry;
    private KafkaClientMetrics resultProducerMetrics;

    /**
     * @param guards the upstream guards whose Resilience4j meters to bind, each tagged {@code name=<profile>}
     * @param producers producers that live as long as the worker
     * @param resultProducer the result producer now; {@link #resultProducerReplaced} follows it when it is replaced
     */
    public MeterBinders(MeterRegistry registry, List<UpstreamGuard> guards, Consumer<?, ?> consumer, List<Producer<?, ?>> producers,
            Producer<?, ?> resultProducer) {
        this.registry = registry;
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
        resultProducerReplaced(resultProducer);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * The result producer was replaced (fenced, or its epoch bumped): its meters are the new one's from
     * now on, rather than a closed producer's frozen values. Called on the consumer thread.
     */
    public synchronized void resultProducerReplaced(Producer<?, ?> producer) {
        if (resultProducerMetrics != null) {
            resultProducerMetrics.close();
        }
        resultProducerMetrics = new KafkaClientMetrics(producer);
        resultProducerMetrics.bindTo(registry);
    }

    @Override
    public synchronized void close() {
        if (resultProducerMetrics != null) {
            resultProducerMetrics.close();
        }
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception e) { // AutoCloseable.close declares Exception; a binder failing to unbind must not stop shutdown
                org.slf4j.LoggerFactory.getLogger(MeterBinders.class).warn("could not unbind {}: {}", closeable, e.toString());
            }
        }
    }
}
