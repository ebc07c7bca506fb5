package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The first bytes on every ring connection: who dials whom, and proof that the dialer knows the
 * job's secret — an HMAC-SHA256 over the fields and a fresh nonce, so the secret itself never
 * crosses the network and a handshake cannot be reused for another pair of ranks.
 */
final class Handshake {

    static final int MAGIC = 0x50484c58; // "PHLX"
    private static final int NONCE_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {}

    /** Writes the dialer's handshake from rank {@code from} to rank {@code to}. */
    static void send(DataOutputStream out, String secret, int from, int to) throws IOException {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        out.writeInt(MAGIC);
        out.writeInt(from);
        out.writeInt(to);
        out.write(nonce);
        out.write(mac(secret, from, to, nonce));
        out.flush();
    }

    /**
     * Reads a handshake and checks it was meant for {@code expectedFrom -> self}.
     *
     * @return null when valid, else why the connection is refused
     */
    static String check(DataInputStream in, String secret, int expectedFrom, int self) throws IOException {
        if (in.readInt() != MAGIC) {
            return "not a Phalanx peer";
        }
        int from = in.readInt();
        int to = in.readInt();
        byte[] nonce = in.readNBytes(NONCE_BYTES);
        byte[] mac = in.readNBytes(MAC_BYTES);
        if (!MessageDigest.isEqual(mac, mac(secret, from, to, nonce))) {
            return "it does not know the job's secret";
        }
        if (from != expectedFrom || to != self) {
            return "handshake from rank " + from + " to rank " + to + ", expected " + expectedFrom + " to " + self;
        }
        return null;
    }

    private static byte[] mac(String secret, int from, int to, byte[] nonce) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            hmac.update(ByteBuffer.allocate(12).putInt(MAGIC).putInt(from).putInt(to).array());
            return hmac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
