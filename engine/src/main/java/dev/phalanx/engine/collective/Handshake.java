package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The first bytes on every ring connection: a mutual challenge-response under the attempt's ring
 * {@link JobKey}, so that each side proves to the other that it belongs to this attempt of this
 * job without the secret or the key ever crossing the network.
 *
 * <pre>
 * acceptor -&gt; dialer:   challenge  int magic | acceptor nonce                               (20 bytes)
 * dialer   -&gt; acceptor: claim      int magic | int from | int to | dialer nonce | dialer MAC (60 bytes)
 * acceptor -&gt; dialer:   proof      acceptor MAC                                             (32 bytes)
 * </pre>
 *
 * <p>Both MACs cover the magic, both ranks and both nonces, under different labels. Why each part:
 * the acceptor's fresh nonce makes a recorded claim worthless on any later connection, of this
 * attempt or another (whose key differs anyway); the dialer's nonce and the acceptor's MAC let the
 * dialer refuse an impostor at the address it dials; the ranks keep a claim for one pair of ranks
 * from passing for another; the labels keep either side's MAC from passing for the other's.
 */
final class Handshake {

    static final int MAGIC = 0x50484c58; // "PHLX"
    /** Bytes of the acceptor's challenge. */
    static final int CHALLENGE_BYTES = Integer.BYTES + JobKey.NONCE_BYTES;
    /** Bytes of the dialer's claim. */
    static final int CLAIM_BYTES = 3 * Integer.BYTES + JobKey.NONCE_BYTES + JobKey.MAC_BYTES;
    /** Bytes of the acceptor's proof. */
    static final int PROOF_BYTES = JobKey.MAC_BYTES;

    private static final String DIALER = "ring-dialer";
    private static final String ACCEPTOR = "ring-acceptor";
    private static final int NONCE_AT = 3 * Integer.BYTES;
    private static final int MAC_AT = NONCE_AT + JobKey.NONCE_BYTES;

    private final JobKey key;

    Handshake(JobKey key) {
        this.key = key;
    }

    /**
     * The acceptor's verdict on a claim.
     *
     * @param refusal null when the claim is valid, else why the connection is refused
     * @param proof the acceptor's proof to send back when the claim is valid, else null
     */
    record Verdict(String refusal, byte[] proof) {}

    /** Returns a fresh challenge, which the acceptor sends first. */
    static byte[] challenge() {
        return ByteBuffer.allocate(CHALLENGE_BYTES).putInt(MAGIC).put(JobKey.nonce()).array();
    }

    /**
     * Returns the dialer's claim to be rank {@code from} dialling rank {@code to}, in answer to
     * {@code challenge}, or null when the challenge does not come from a Phalanx rank.
     */
    byte[] claim(byte[] challenge, int from, int to) {
        if (ByteBuffer.wrap(challenge).getInt() != MAGIC) {
            return null;
        }
        byte[] nonce = JobKey.nonce();
        return ByteBuffer.allocate(CLAIM_BYTES).putInt(MAGIC).putInt(from).putInt(to).put(nonce)
                .put(key.mac(DIALER, ranks(from, to), acceptorNonce(challenge), nonce)).array();
    }

    /** Checks a claim against the challenge this acceptor sent: it must be meant for {@code expectedFrom -> self}. */
    Verdict check(byte[] challenge, byte[] claim, int expectedFrom, int self) {
        ByteBuffer fields = ByteBuffer.wrap(claim);
        if (fields.getInt() != MAGIC) {
            return new Verdict("not a Phalanx rank", null);
        }
        int from = fields.getInt();
        int to = fields.getInt();
        byte[] dialerNonce = Arrays.copyOfRange(claim, NONCE_AT, MAC_AT);
        byte[] mac = Arrays.copyOfRange(claim, MAC_AT, CLAIM_BYTES);
        byte[] acceptorNonce = acceptorNonce(challenge);
        if (!key.verifies(mac, DIALER, ranks(from, to), acceptorNonce, dialerNonce)) {
            return new Verdict("it does not prove it knows this attempt's ring key (another job's or attempt's"
                    + " rank, or a replayed handshake)", null);
        }
        if (from != expectedFrom || to != self) {
            return new Verdict("handshake from rank " + from + " to rank " + to + ", expected " + expectedFrom
                    + " to " + self, null);
        }
        return new Verdict(null, key.mac(ACCEPTOR, ranks(from, to), acceptorNonce, dialerNonce));
    }

    /** True when {@code proof} shows that the acceptor that sent {@code challenge} knows this attempt's key. */
    boolean proves(byte[] challenge, byte[] claim, byte[] proof) {
        ByteBuffer fields = ByteBuffer.wrap(claim, Integer.BYTES, 2 * Integer.BYTES);
        int from = fields.getInt();
        int to = fields.getInt();
        return key.verifies(proof, ACCEPTOR, ranks(from, to), acceptorNonce(challenge),
                Arrays.copyOfRange(claim, NONCE_AT, MAC_AT));
    }

    private static byte[] ranks(int from, int to) {
        return ByteBuffer.allocate(3 * Integer.BYTES).putInt(MAGIC).putInt(from).putInt(to).array();
    }

    private static byte[] acceptorNonce(byte[] challenge) {
        return Arrays.copyOfRange(challenge, Integer.BYTES, CHALLENGE_BYTES);
    }
}
