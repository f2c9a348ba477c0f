package io.mjtracker.worker.upstream;

import io.mjtracker.worker.config.EgressSettings;
import java.io.IOException;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** HTTP clients that reach the upstream as {@link EgressSettings} say: through the proxy, trusting the extra CAs. */
public final class Egress {

    private Egress() {}

    /** A client builder with the proxy selection and, where {@code MJ_API_CA_FILE} is set, the widened trust. */
    public static HttpClient.Builder clientBuilder(EgressSettings egress) {
        HttpClient.Builder builder = HttpClient.newBuilder().proxy(new ProxySelection(egress));
        if (!egress.extraTrust().isEmpty()) {
            builder.sslContext(sslContext(egress.extraTrust()));
        }
        return builder;
    }

    /**
     * The JDK's trusted CAs plus {@code extra}, in one key store behind the standard PKIX trust manager,
     * so that chain building and host name checks stay the JDK's own.
     */
    private static SSLContext sslContext(List<X509Certificate> extra) {
        try {
            TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            jdk.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int index = 0;
            for (TrustManager manager : jdk.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    for (X509Certificate certificate : x509.getAcceptedIssuers()) {
                        store.setCertificateEntry("jdk-" + index++, certificate);
                    }
                }
            }
            for (X509Certificate certificate : extra) {
                store.setCertificateEntry("mj-api-ca-file-" + index++, certificate);
            }
            TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            combined.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, combined.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) { // IOException: declared by KeyStore.load, not thrown for null
            throw new IllegalStateException("cannot build the TLS trust with MJ_API_CA_FILE: " + e.getMessage(), e);
        }
    }
}
