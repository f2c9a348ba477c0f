package io.mjtracker.worker.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.mjtracker.worker.config.Setting;
import io.mjtracker.worker.config.WorkerConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s read against the Kubernetes API types (fabric8's model of the OpenAPI schemas), strictly:
 * an unknown or misspelt field fails, as {@code kubectl apply --validate=strict} would. Then what the
 * manifests promise: static membership from the pod name, the key as a mounted file, the probes on
 * the health endpoints, a budget and Services that select the pods, memory sized from the benchmark.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("..", "deploy", "k8s");
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/StatefulSet", StatefulSet.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    /** BENCHMARKS.md, "Scale": heap before intake, and per task in flight (871 B measured, rounded up). */
    private static final long BASELINE_HEAP_BYTES = 46_000_000L;
    private static final long BYTES_PER_TASK = 900;

    /**
     * fabric8's types keep unknown fields in an {@code additionalProperties} map (a {@code @JsonAnySetter});
     * without that escape hatch Jackson's FAIL_ON_UNKNOWN_PROPERTIES rejects them.
     */
    private static final ObjectMapper STRICT = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated member) {
                    return false;
                }
            })
            .build();

    private static final Map<Class<?>, HasMetadata> RESOURCES = new HashMap<>();
    /** The Service proxies send hooks to; the other Service is the StatefulSet's headless one. */
    private static final String HOOKS_SERVICE = "mj-tracker-hooks";
    private static Service hooksService;

    @BeforeAll
    static void readEveryManifest() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path file : files.filter(path -> path.toString().matches(".*\\.yaml(\\.example)?")).sorted().toList()) {
                HasMetadata resource = read(Files.readString(file));
                if (resource instanceof Service service && HOOKS_SERVICE.equals(service.getMetadata().getName())) {
                    hooksService = service;
                    continue;
                }
                assertThat(RESOURCES.put(resource.getClass(), resource)).as("one " + resource.getKind() + " only").isNull();
                assertThat(resource.getMetadata().getLabels()).as(file.toString()).containsEntry("app.kubernetes.io/name", "mj-tracker");
            }
        }
        assertThat(RESOURCES).containsOnlyKeys(KINDS.values());
        assertThat(hooksService).as(HOOKS_SERVICE).isNotNull();
    }

    private static HasMetadata read(String yaml) throws IOException {
        JsonNode tree = STRICT.readTree(yaml);
        String type = tree.path("apiVersion").asText() + "/" + tree.path("kind").asText();
        assertThat(KINDS).as("apiVersion/kind").containsKey(type);
        return STRICT.treeToValue(tree, KINDS.get(type));
    }

    private static <T extends HasMetadata> T resource(Class<T> type) {
        return type.cast(RESOURCES.get(type));
    }

    @Test
    void unknownFieldsAreRejected() {
        String misspelt = """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: x}
                spec: {maxUnavailable: 1, selectr: {matchLabels: {a: b}}}
                """;

        assertThatThrownBy(() -> read(misspelt)).isInstanceOf(UnrecognizedPropertyException.class).hasMessageContaining("selectr");
    }

    @Test
    void podNameIsTheInstanceIdAndTheKeyIsAMountedSecretFile() {
        StatefulSet statefulSet = resource(StatefulSet.class);
        Container worker = worker(statefulSet);

        assertThat(env(worker, "TRACKER_INSTANCE_ID").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(worker.getEnv()).extracting(EnvVar::getName).doesNotContain("MJ_API_KEY");
        // Kafka credentials, where there are any, come from an optional Secret too, never the ConfigMap.
        assertThat(worker.getEnvFrom()).filteredOn(source -> source.getSecretRef() != null).singleElement().satisfies(source -> {
            assertThat(source.getSecretRef().getName()).isEqualTo("mj-tracker-kafka");
            assertThat(source.getSecretRef().getOptional()).isTrue();
        });
        Path keyFile = Path.of(env(worker, "MJ_API_KEY_FILE").getValue());
        VolumeMount mount = worker.getVolumeMounts().stream()
                .filter(candidate -> keyFile.getParent().equals(Path.of(candidate.getMountPath()))).findFirst().orElseThrow();
        Volume volume = statefulSet.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(candidate -> candidate.getName().equals(mount.getName())).findFirst().orElseThrow();
        Secret secret = resource(Secret.class);
        assertThat(volume.getSecret().getSecretName()).isEqualTo(secret.getMetadata().getName());
        assertThat(volume.getSecret().getItems()).singleElement().satisfies(item -> {
            assertThat(item.getPath()).isEqualTo(keyFile.getFileName().toString());
            assertThat(secret.getStringData()).containsKey(item.getKey());
        });
    }

    @Test
    void probesAskTheHealthEndpointsOnTheMetricsPort() {
        Container worker = worker(resource(StatefulSet.class));
        int metricsPort = Integer.parseInt(env(worker, "METRICS_PORT").getValue());

        assertThat(worker.getPorts()).filteredOn(port -> port.getName().equals("metrics")).singleElement()
                .satisfies(port -> assertThat(port.getContainerPort()).isEqualTo(metricsPort).isEqualTo(9464));
        for (Probe probe : List.of(worker.getLivenessProbe(), worker.getStartupProbe())) {
            assertThat(probe.getHttpGet().getPath()).isEqualTo("/health/live");
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
        }
        assertThat(worker.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(worker.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
    }

    @Test
    void gracePeriodOutlastsTheWorkersShutdown() {
        Duration shutdown = Duration.ofSeconds(Long.parseLong(Setting.TRACKER_SHUTDOWN_TIMEOUT.defaultValue().replace("s", "")));

        // The timeout bounds the whole drain; closing the consumer takes up to 5 s more, the other clients a few.
        assertThat(resource(StatefulSet.class).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .isGreaterThanOrEqualTo(shutdown.toSeconds() + 10);
    }

    @Test
    void budgetAndServicesSelectTheWorkers() {
        StatefulSet statefulSet = resource(StatefulSet.class);
        Map<String, String> podLabels = statefulSet.getSpec().getTemplate().getMetadata().getLabels();
        Service service = resource(Service.class);
        PodDisruptionBudget budget = resource(PodDisruptionBudget.class);

        assertThat(statefulSet.getSpec().getServiceName()).isEqualTo(service.getMetadata().getName());
        assertThat(service.getSpec().getClusterIP()).as("headless").isEqualTo("None");
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(podLabels).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(statefulSet.getSpec().getSelector().getMatchLabels());
        assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> assertThat(port.getName()).isEqualTo("metrics"));
        assertThat(hooksService.getMetadata().getLabels()).containsEntry("app.kubernetes.io/name", "mj-tracker");
        assertThat(podLabels).containsAllEntriesOf(hooksService.getSpec().getSelector());
        assertThat(hooksService.getSpec().getPorts()).as("only the hook port is for the proxies").singleElement().satisfies(port -> {
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("hooks");
            assertThat(worker(statefulSet).getPorts()).anySatisfy(own -> {
                assertThat(own.getName()).isEqualTo("hooks");
                assertThat(own.getContainerPort()).isEqualTo(Integer.parseInt(Setting.HOOK_PORT.defaultValue()));
            });
        });
        assertThat(statefulSet.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/port", "9464");
    }

    @Test
    void configMapHoldsOnlyWorkerSettingsAndNoKey() {
        Map<String, String> data = resource(ConfigMap.class).getData();

        for (String name : data.keySet()) {
            assertThat(name.startsWith(Setting.KAFKA_PASSTHROUGH_PREFIX) || isSetting(name)).as(name).isTrue();
        }
        assertThat(data).doesNotContainKeys("MJ_API_KEY", "MJ_API_KEY_FILE").containsKey("KAFKA_BOOTSTRAP_SERVERS");
    }

    /** heap (75% of the limit, the image's MaxRAMPercentage) at least twice the live heap at the in-flight cap, set or derived. */
    @Test
    void memoryIsSizedFromTheScaleBenchmark() {
        Container worker = worker(resource(StatefulSet.class));
        long limit = Quantity.getAmountInBytes(worker.getResources().getLimits().get("memory")).longValueExact();
        String set = resource(ConfigMap.class).getData().get("TRACKER_MAX_IN_FLIGHT");
        long cap = set == null ? WorkerConfigLoader.defaultMaxInFlight(limit * 3 / 4) : Long.parseLong(set);
        long liveHeap = BASELINE_HEAP_BYTES + cap * BYTES_PER_TASK;

        assertThat(limit * 3 / 4).isGreaterThanOrEqualTo(2 * liveHeap);
        assertThat(worker.getResources().getRequests().get("memory")).isEqualTo(worker.getResources().getLimits().get("memory"));
    }

    private static boolean isSetting(String name) {
        return Stream.of(Setting.values()).anyMatch(setting -> setting.name().equals(name));
    }

    private static Container worker(StatefulSet statefulSet) {
        return statefulSet.getSpec().getTemplate().getSpec().getContainers().getFirst();
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(variable -> variable.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not set on " + container.getName()));
    }
}
