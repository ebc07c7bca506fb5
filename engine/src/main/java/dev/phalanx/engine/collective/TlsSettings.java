package dev.phalanx.engine.collective;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the ring's connections, configured like Spark's {@code spark.ssl.*}: a key store with
 * this worker's certificate and a trust store with the certificates it accepts. Both ends
 * authenticate (mutual TLS); the job-secret handshake still runs inside.
 *
 * @param keyStore path of the key store (PKCS12 or JKS) on every executor
 * @param keyStorePassword its password
 * @param trustStore path of the trust store on every executor
 * @param trustStorePassword its password
 * @param protocol the TLS protocol, for example {@code TLSv1.3}
 */
public record TlsSettings(
        String keyStore, String keyStorePassword, String trustStore, String trustStorePassword, String protocol)
        implements Serializable {

    /**
     * Returns the settings the {@code tls_*} keys give, or null when {@code keyStore} is empty
     * (plain TCP); an empty trust store, or its password, means the key store's.
     */
    public static TlsSettings fromKeys(String keyStore, String keyStorePassword, String trustStore,
            String trustStorePassword, String protocol) {
        if (keyStore.isBlank()) {
            return null;
        }
        return new TlsSettings(keyStore, keyStorePassword, trustStore.isBlank() ? keyStore : trustStore,
                trustStorePassword.isBlank() ? keyStorePassword : trustStorePassword, protocol);
    }

    @Override
    public String toString() {
        // Never print the passwords.
        return "TlsSettings[keyStore=" + keyStore + ", trustStore=" + trustStore + ", protocol=" + protocol + "]";
    }

    /** Builds the SSL context. */
    SSLContext context() throws IOException {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keyStore, keyStorePassword), keyStorePassword.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(trustStore, trustStorePassword));
            SSLContext context = SSLContext.getInstance(protocol);
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS from " + this + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String path, String password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            store.load(in, password.toCharArray());
        }
        return store;
    }
}
