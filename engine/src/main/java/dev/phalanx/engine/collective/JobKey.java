package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that one kind of connection of one attempt of a job proves it knows:
 * HMAC-SHA256(job secret, "phalanx-" + purpose + "-attempt-" + attempt).
 *
 * <p>Why derive it: connections prove knowledge of the job's secret by MACs over fresh nonces
 * from both sides under this key, so neither the secret nor the key ever travels. Every relaunch
 * of the barrier stage is a new attempt with a new key, so a handshake recorded in one attempt is
 * worthless in the next; and the ring and the progress channel use different keys, so a proof
 * made for one can never pass for the other.
 *
 * <p>{@link #toString()} names the purpose and attempt only, never the key.
 */
public final class JobKey {

    /** Bytes of a nonce: 128 random bits, so a nonce never repeats in practice. */
    public static final int NONCE_BYTES = 16;
    /** Bytes of a MAC (HMAC-SHA256). */
    public static final int MAC_BYTES = 32;

    private static final String HMAC = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String purpose;
    private final int attempt;
    private final SecretKeySpec key;

    private JobKey(String purpose, int attempt, byte[] key) {
        this.purpose = purpose;
        this.attempt = attempt;
        this.key = new SecretKeySpec(key, HMAC);
    }

    /** The key of the ring connections of {@code attempt}. */
    public static JobKey ring(String secret, int attempt) {
        return derive("ring", secret, attempt);
    }

    /** The key of rank 0's progress connection to the driver in {@code attempt}. */
    public static JobKey progress(String secret, int attempt) {
        return derive("progress", secret, attempt);
    }

    private static JobKey derive(String purpose, String secret, int attempt) {
        byte[] label = ("phalanx-" + purpose + "-attempt-" + attempt).getBytes(StandardCharsets.UTF_8);
        return new JobKey(purpose, attempt, hmac(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC),
                label));
    }

    /** Returns a fresh random nonce. */
    public static byte[] nonce() {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /**
     * The MAC of {@code parts} under this key, for the side of a handshake that {@code label}
     * names. Each part is length-prefixed, so no two different lists of parts have the same input.
     */
    public byte[] mac(String label, byte[]... parts) {
        ByteBuffer input = ByteBuffer.allocate(inputLength(label, parts));
        byte[] labelBytes = label.getBytes(StandardCharsets.UTF_8);
        input.putInt(labelBytes.length).put(labelBytes);
        for (byte[] part : parts) {
            input.putInt(part.length).put(part);
        }
        return hmac(key, input.array());
    }

    /** True when {@code mac} is the MAC of {@code parts} for {@code label}; compared in constant time. */
    public boolean verifies(byte[] mac, String label, byte[]... parts) {
        return MessageDigest.isEqual(mac, mac(label, parts));
    }

    private static int inputLength(String label, byte[][] parts) {
        int length = Integer.BYTES + label.getBytes(StandardCharsets.UTF_8).length;
        for (byte[] part : parts) {
            length += Integer.BYTES + part.length;
        }
        return length;
    }

    private static byte[] hmac(SecretKeySpec key, byte[] input) {
        try {
            Mac hmac = Mac.getInstance(HMAC);
            hmac.init(key);
            return hmac.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "JobKey[" + purpose + ", attempt " + attempt + "]";
    }
}
