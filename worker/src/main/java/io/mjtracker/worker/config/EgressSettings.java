package io.mjtracker.worker.config;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * How requests to the upstream leave the network: through a forward proxy or not, and which extra
 * certificate authorities to trust (a TLS-inspecting proxy re-signs every site with its own CA).
 *
 * @param httpsProxy proxy for https:// base URLs ({@code HTTPS_PROXY}), tunnelled with CONNECT
 * @param httpProxy proxy for http:// base URLs ({@code HTTP_PROXY})
 * @param noProxy host names, domain suffixes or IP literals reached directly ({@code NO_PROXY}), lower case;
 *     {@code *} for every host
 * @param extraTrust certificates of {@code MJ_API_CA_FILE}, trusted besides the JDK's own
 */
public record EgressSettings(
        Optional<InetSocketAddress> httpsProxy,
        Optional<InetSocketAddress> httpProxy,
        List<String> noProxy,
        List<X509Certificate> extraTrust) {

    /** Direct connections, the JDK's trust only. */
    public static final EgressSettings DIRECT = new EgressSettings(Optional.empty(), Optional.empty(), List.of(), List.of());

    public EgressSettings {
        noProxy = List.copyOf(noProxy);
        extraTrust = List.copyOf(extraTrust);
    }
}
