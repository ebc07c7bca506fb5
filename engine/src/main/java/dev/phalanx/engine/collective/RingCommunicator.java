package dev.phalanx.engine.collective;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ring all-reduce over TCP: a reduce-scatter followed by an all-gather, each of {@code W - 1}
 * steps in which every rank sends one chunk to the next rank while it receives another from the
 * previous rank. Each rank sends {@code 2 (W-1)/W} of the buffer in all, independent of W.
 *
 * <p>Sending runs on a dedicated thread while the caller receives: if every rank sent first and
 * received second, large chunks would fill the socket buffers all around the ring and deadlock.
 */
public final class RingCommunicator implements Communicator {

    private final int rank;
    private final int worldSize;
    private final PeerLink next;
    private final PeerLink prev;
    private final CollectiveOptions options;
    private final ExecutorService sender;
    private int sequence;

    private RingCommunicator(int rank, int worldSize, RingConnector.Links links, CollectiveOptions options) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.next = links.next();
        this.prev = links.prev();
        this.options = options;
        this.sender = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "phalanx-ring-sender-rank-" + rank);
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Connects rank {@code rank} of {@code worldSize} (at least 2) into a ring.
     *
     * @param host the address this rank listens on and advertises to its peers
     */
    public static RingCommunicator connect(
            int rank, int worldSize, Rendezvous rendezvous, String host, CollectiveOptions options) {
        if (worldSize < 2) {
            throw new IllegalArgumentException("a ring needs at least 2 ranks, got " + worldSize);
        }
        RingConnector.Links links = new RingConnector(rank, worldSize, options).connect(rendezvous, host);
        return new RingCommunicator(rank, worldSize, links, options);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public void allReduce(float[] data, int offset, int length, ReduceOp op) {
        // 1. Reduce-scatter: after step s, chunk (rank - s - 1) holds the sum over s + 2 ranks;
        //    after W - 1 steps, chunk (rank + 1) mod W holds the sum over all ranks.
        for (int s = 0; s < worldSize - 1; s++) {
            exchangeChunks(data, offset, length, chunkIndex(rank - s), chunkIndex(rank - s - 1), true);
        }
        // 2. All-gather: pass the complete chunks around the ring, overwriting.
        for (int s = 0; s < worldSize - 1; s++) {
            exchangeChunks(data, offset, length, chunkIndex(rank + 1 - s), chunkIndex(rank - s), false);
        }
        if (op == ReduceOp.AVG) {
            float scale = 1.0f / worldSize;
            for (int i = offset; i < offset + length; i++) {
                data[i] *= scale;
            }
        }
    }

    @Override
    public byte[][] allGather(byte[] payload) {
        byte[][] result = new byte[worldSize][];
        result[rank] = payload.clone();
        // Step s forwards the payload that originated at rank (rank - s).
        for (int s = 0; s < worldSize - 1; s++) {
            int sendFrom = chunkIndex(rank - s);
            int recvFrom = chunkIndex(rank - s - 1);
            int seq = sequence++;
            byte[] outgoing = result[sendFrom];
            Future<?> sending = sender.submit(() -> next.sendBytes(seq, outgoing));
            result[recvFrom] = prev.receiveBytes(seq);
            awaitSend(sending);
        }
        return result;
    }

    private void exchangeChunks(
            float[] data, int offset, int length, int sendChunk, int recvChunk, boolean accumulate) {
        int seq = sequence++;
        int sendStart = offset + chunkStart(length, sendChunk);
        int sendLength = chunkStart(length, sendChunk + 1) - chunkStart(length, sendChunk);
        int recvStart = offset + chunkStart(length, recvChunk);
        int recvLength = chunkStart(length, recvChunk + 1) - chunkStart(length, recvChunk);
        Future<?> sending = sender.submit(() -> next.sendFloats(seq, data, sendStart, sendLength));
        prev.receiveFloats(seq, data, recvStart, recvLength, accumulate);
        awaitSend(sending);
    }

    /** Chunks split {@code length} as evenly as possible; the first {@code length % W} get one more. */
    private int chunkStart(int length, int chunk) {
        int base = length / worldSize;
        int extra = length % worldSize;
        return chunk * base + Math.min(chunk, extra);
    }

    private int chunkIndex(int i) {
        return Math.floorMod(i, worldSize);
    }

    private void awaitSend(Future<?> sending) {
        try {
            sending.get(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sending.cancel(true);
            next.close();
            throw new CollectiveException(next.describe() + ": could not send within " + options.timeout()
                    + " (peer stopped reading)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CollectiveException ce) {
                throw ce;
            }
            throw new CollectiveException(next.describe() + ": send failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted while sending", e);
        }
    }

    @Override
    public void close() {
        next.close();
        prev.close();
        sender.shutdownNow();
    }
}
