package io.mjtracker.worker.upstream;

import io.mjtracker.worker.config.EgressSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the forward proxy of each request as {@code HTTPS_PROXY}, {@code HTTP_PROXY} and
 * {@code NO_PROXY} say: the variables operators set in corporate networks, which the JDK itself does
 * not read (its default selector follows the {@code https.proxyHost} family of system properties).
 */
final class ProxySelection extends ProxySelector {

    private final EgressSettings egress;

    ProxySelection(EgressSettings egress) {
        this.egress = egress;
    }

    @Override
    public List<Proxy> select(URI uri) {
        Optional<InetSocketAddress> proxy = "https".equalsIgnoreCase(uri.getScheme()) ? egress.httpsProxy() : egress.httpProxy();
        if (proxy.isEmpty() || bypasses(uri.getHost())) {
            return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, proxy.get()));
    }

    /** True where {@code NO_PROXY} names the host itself, a domain it is in, or {@code *}. */
    boolean bypasses(String host) {
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        for (String entry : egress.noProxy()) {
            if (entry.equals("*")) {
                return true;
            }
            String domain = withoutPort(entry.startsWith("*.") ? entry.substring(1) : entry);
            String bare = domain.startsWith(".") ? domain.substring(1) : domain;
            if (name.equals(bare) || name.endsWith("." + bare)) {
                return true;
            }
        }
        return false;
    }

    /** {@code host:port} entries match on the host; an IPv6 literal (several colons) stays whole. */
    private static String withoutPort(String entry) {
        int colon = entry.lastIndexOf(':');
        return colon > 0 && entry.indexOf(':') == colon ? entry.substring(0, colon) : entry;
    }

    @Override
    public void connectFailed(URI uri, SocketAddress address, IOException failure) {
        // One proxy or none: there is no alternative to fall back to; the request fails and is classified.
    }
}
