package io.mjtracker.worker.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the proxy variables the way curl and most tools do (upper case first, then lower case) and
 * the optional CA bundle, reporting every bad value through the {@link ConfigReader}.
 */
final class EgressReader {

    private EgressReader() {}

    static EgressSettings read(ConfigReader reader) {
        return new EgressSettings(
                proxy(reader, Setting.HTTPS_PROXY),
                proxy(reader, Setting.HTTP_PROXY),
                reader.optional(Setting.NO_PROXY, "no_proxy").map(EgressReader::hosts).orElse(List.of()),
                reader.optional(Setting.MJ_API_CA_FILE).map(file -> certificates(reader, Path.of(file))).orElse(List.of()));
    }

    /** {@code http://host:port} or {@code host:port}; the JDK's client speaks plain HTTP to a proxy only. */
    private static Optional<InetSocketAddress> proxy(ConfigReader reader, Setting setting) {
        return reader.optional(setting, setting.name().toLowerCase(Locale.ROOT)).flatMap(text -> {
            try {
                URI uri = new URI(text.contains("://") ? text : "http://" + text);
                if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                    reader.problem(setting.name() + " must be a proxy like http://proxy.example.com:3128, not '" + text + "'");
                } else if (uri.getUserInfo() != null) {
                    // Credentials would need an Authenticator and re-enabling Basic for CONNECT tunnels;
                    // refusing beats sending them where they are ignored. Never echo them.
                    reader.problem(setting.name() + " carries credentials; proxy authentication is not supported");
                } else {
                    return Optional.of(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort()));
                }
            } catch (URISyntaxException e) {
                reader.problem(setting.name() + " is not a valid proxy URL: " + e.getReason());
            }
            return Optional.empty();
        });
    }

    private static List<String> hosts(String noProxy) {
        return Arrays.stream(noProxy.split(","))
                .map(entry -> entry.strip().toLowerCase(Locale.ROOT))
                .filter(entry -> !entry.isEmpty())
                .toList();
    }

    private static List<X509Certificate> certificates(ConfigReader reader, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certificates.isEmpty()) {
                reader.problem("MJ_API_CA_FILE holds no certificate: " + file);
            }
            return certificates;
        } catch (IOException e) {
            reader.problem("MJ_API_CA_FILE cannot be read: " + file + " (" + e.getClass().getSimpleName() + ")");
        } catch (CertificateException e) {
            reader.problem("MJ_API_CA_FILE is not a PEM bundle of certificates: " + file + " (" + e.getMessage() + ")");
        }
        return List.of();
    }
}
