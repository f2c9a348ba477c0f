package io.mjtracker.worker.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.mjtracker.worker.config.EgressSettings;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxySelectionTest {

    private static final InetSocketAddress HTTPS_PROXY = InetSocketAddress.createUnresolved("proxy", 3128);
    private static final InetSocketAddress HTTP_PROXY = InetSocketAddress.createUnresolved("plain-proxy", 8080);

    private static ProxySelection selection(String... noProxy) {
        return new ProxySelection(new EgressSettings(Optional.of(HTTPS_PROXY), Optional.of(HTTP_PROXY), List.of(noProxy), List.of()));
    }

    @Test
    void eachSchemeGoesThroughItsOwnProxy() {
        assertThat(selection().select(URI.create("https://api.cometapi.com/mj/task/1/fetch")))
                .containsExactly(new Proxy(Proxy.Type.HTTP, HTTPS_PROXY));
        assertThat(selection().select(URI.create("http://api.cometapi.com/mj/task/1/fetch")))
                .containsExactly(new Proxy(Proxy.Type.HTTP, HTTP_PROXY));
    }

    @Test
    void noProxyMatchesHostsDomainsAndIpLiterals() {
        ProxySelection selection = selection("localhost", ".corp.example", "*.internal", "10.0.0.7", "svc.local:8443", "::1");

        assertThat(selection.bypasses("localhost")).isTrue();
        assertThat(selection.bypasses("api.corp.example")).isTrue();
        assertThat(selection.bypasses("corp.example")).isTrue();
        assertThat(selection.bypasses("mj.internal")).isTrue();
        assertThat(selection.bypasses("10.0.0.7")).isTrue();
        assertThat(selection.bypasses("svc.local")).isTrue();
        assertThat(selection.bypasses("[::1]")).isTrue();

        assertThat(selection.bypasses("api.cometapi.com")).isFalse();
        assertThat(selection.bypasses("notcorp.example")).isFalse();
        assertThat(selection.bypasses("10.0.0.70")).isFalse();
        assertThat(selection.select(URI.create("https://API.CORP.EXAMPLE/x"))).containsExactly(Proxy.NO_PROXY);
    }

    @Test
    void starBypassesEverythingAndNoProxyVariableMeansDirect() {
        assertThat(selection("*").select(URI.create("https://api.cometapi.com/"))).containsExactly(Proxy.NO_PROXY);
        assertThat(new ProxySelection(EgressSettings.DIRECT).select(URI.create("https://api.cometapi.com/")))
                .containsExactly(Proxy.NO_PROXY);
    }
}
