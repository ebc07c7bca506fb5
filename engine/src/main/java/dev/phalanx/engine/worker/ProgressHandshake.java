package dev.phalanx.engine.worker;

import dev.phalanx.engine.collective.JobKey;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The first bytes on rank 0's progress connection to the driver: a mutual challenge-response under
 * the attempt's progress {@link JobKey}, so that the driver's listener takes reports only from a
 * rank of this attempt and the reporter sends them only to the driver of this job, without the
 * job's secret or the key ever crossing the network.
 *
 * <pre>
 * listener -&gt; reporter: challenge  int magic | listener nonce   (20 bytes)
 * reporter -&gt; listener: answer     reporter nonce | reporter MAC  (48 bytes)
 * listener -&gt; reporter: proof      listener MAC                   (32 bytes)
 * </pre>
 *
 * <p>Both MACs cover both nonces, under different labels: the listener's fresh nonce makes a
 * recorded answer worthless on a later connection, the reporter's nonce makes the listener's proof
 * fresh too. Messages are built and checked here; the caller does the I/O.
 */
public final class ProgressHandshake {

    /** Bytes of the listener's challenge. */
    public static final int CHALLENGE_BYTES = Integer.BYTES + JobKey.NONCE_BYTES;
    /** Bytes of the reporter's answer. */
    public static final int ANSWER_BYTES = JobKey.NONCE_BYTES + JobKey.MAC_BYTES;
    /** Bytes of the listener's proof. */
    public static final int PROOF_BYTES = JobKey.MAC_BYTES;

    private static final int MAGIC = 0x50484c50; // "PHLP"
    private static final String REPORTER = "progress-reporter";
    private static final String LISTENER = "progress-listener";

    private ProgressHandshake() {}

    /** Returns a fresh challenge, which the listener sends first. */
    public static byte[] challenge() {
        return ByteBuffer.allocate(CHALLENGE_BYTES).putInt(MAGIC).put(JobKey.nonce()).array();
    }

    /** Returns the reporter's answer to {@code challenge}, or null when it is not a Phalanx listener's. */
    public static byte[] answer(JobKey key, byte[] challenge) {
        if (ByteBuffer.wrap(challenge).getInt() != MAGIC) {
            return null;
        }
        byte[] nonce = JobKey.nonce();
        return ByteBuffer.allocate(ANSWER_BYTES).put(nonce).put(key.mac(REPORTER, listenerNonce(challenge), nonce))
                .array();
    }

    /** Returns the listener's proof when {@code answer} is valid for {@code challenge}, else null. */
    public static byte[] check(JobKey key, byte[] challenge, byte[] answer) {
        byte[] reporterNonce = Arrays.copyOfRange(answer, 0, JobKey.NONCE_BYTES);
        byte[] mac = Arrays.copyOfRange(answer, JobKey.NONCE_BYTES, ANSWER_BYTES);
        byte[] listenerNonce = listenerNonce(challenge);
        if (!key.verifies(mac, REPORTER, listenerNonce, reporterNonce)) {
            return null;
        }
        return key.mac(LISTENER, listenerNonce, reporterNonce);
    }

    /** True when {@code proof} shows that the listener that sent {@code challenge} knows the key. */
    public static boolean proves(JobKey key, byte[] challenge, byte[] answer, byte[] proof) {
        return key.verifies(proof, LISTENER, listenerNonce(challenge), Arrays.copyOfRange(answer, 0, JobKey.NONCE_BYTES));
    }

    private static byte[] listenerNonce(byte[] challenge) {
        return Arrays.copyOfRange(challenge, Integer.BYTES, CHALLENGE_BYTES);
    }
}
