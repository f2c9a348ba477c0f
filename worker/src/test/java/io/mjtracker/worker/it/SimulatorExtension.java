package io.mjtracker.worker.it;

import io.mjtracker.simulator.SimulatorConfig;
import io.mjtracker.simulator.UpstreamSimulator;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A fresh upstream simulator for each test that asks for one as a parameter (auto-create off: tests
 * create their tasks), stopped after the test. Tests that need faults from the start build their own.
 */
final class SimulatorExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SimulatorExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == UpstreamSimulator.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(UpstreamSimulator.class,
                key -> UpstreamSimulator.start(SimulatorConfig.defaults().withAutoCreate(false)), UpstreamSimulator.class);
    }
}
