package io.mjtracker.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy between Kafka clients and a broker that injects faults at the network level, on command:
 * latency on every answer; the broker's answers to a chosen client held after a chosen request, or from
 * now on for a while (a link that loses answers but not requests); a connection reset right after a
 * chosen request went through. It reads just enough of each request (its API key and client id, from the
 * request header every version shares) to tell whose connection it is and what is asked; it never
 * changes a byte. The broker must advertise the proxy's port ({@link StandaloneBroker#behindProxy}),
 * or clients reconnect past it after their first metadata request.
 *
 * <p>The faults are ones a client cannot tell from a slow or broken network: a commit the broker performed
 * whose answer does not arrive in time (the client's {@code commitTransaction} times out while the broker
 * commits), or whose connection dies before the answer.
 */
public final class KafkaFaultProxy implements AutoCloseable {

    /** Kafka API keys the faults refer to. */
    public static final short PRODUCE = 0;
    public static final short END_TXN = 26;
    /** A transaction's consumer offsets, sent after its records and before {@link #END_TXN}. */
    public static final short TXN_OFFSET_COMMIT = 28;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaFaultProxy.class);
    private static final int MAX_FRAME = 128 * 1024 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final List<ResponseHold> responseHolds = new CopyOnWriteArrayList<>();
    private final AtomicInteger heldResponsesTriggered = new AtomicInteger();
    private final List<Reset> resets = new CopyOnWriteArrayList<>();
    private final AtomicInteger resetsDone = new AtomicInteger();
    private volatile long latencyNanos;
    private volatile String heldClientId;
    private volatile long heldClientUntilNanos;
    private volatile boolean closed;

    /** Listens on {@code port} of the loopback interface and forwards to {@code targetPort} there. */
    public KafkaFaultProxy(int port, int targetPort) throws IOException {
        this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        Thread.ofVirtual().name("fault-proxy-accept").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /**
     * Once a client whose id contains {@code clientId} has sent a {@link #PRODUCE} request holding one of
     * {@code markers} (a topic's name, or its id: newer Produce versions name topics by id) and then, in the
     * same transaction (an {@link #END_TXN} in between forgets the marker), a request with API key
     * {@code apiKey}, the broker's answers to that client are held for {@code hold} from that request on,
     * once: the broker does the work, the client hears of it late.
     */
    public void holdResponsesAfter(String clientId, List<byte[]> markers, short apiKey, Duration hold) {
        responseHolds.add(new ResponseHold(clientId, List.copyOf(markers), apiKey, hold));
    }

    /** Every answer of the broker reaches its client {@code latency} after the proxy read it (0: none). */
    public void latency(Duration latency) {
        latencyNanos = latency.toNanos();
    }

    /**
     * From now on for {@code hold}, the broker's answers to every client whose id contains {@code clientId}
     * are held (its requests still reach the broker): a link that loses answers, on that client's
     * connections only, then delivers them late.
     */
    public void holdResponsesNow(String clientId, Duration hold) {
        heldClientUntilNanos = System.nanoTime() + hold.toNanos();
        heldClientId = clientId;
        LOG.info("fault proxy: holding the broker's answers to {} for {}", clientId, hold);
    }

    /**
     * The next {@code times} requests with API key {@code apiKey} from a client whose id contains
     * {@code clientId} reach the broker, and then that connection is reset (RST) before the answer: a
     * commit the broker may have done, whose client saw its connection die.
     */
    public void resetAfter(String clientId, short apiKey, int times) {
        for (int i = 0; i < times; i++) {
            resets.add(new Reset(clientId, apiKey));
        }
    }

    /** How many connections were reset by {@link #resetAfter}. */
    public int resetsDone() {
        return resetsDone.get();
    }

    private record Reset(String clientId, short apiKey) {}

    /** How many response holds have started. */
    public int responseHoldsStarted() {
        return heldResponsesTriggered.get();
    }

    private record ResponseHold(String clientId, List<byte[]> markers, short apiKey, Duration hold) {}

    private void accept() {
        while (!closed) {
            Socket client = null;
            try {
                client = server.accept();
                Socket broker = new Socket();
                broker.connect(target, 5_000);
                Link link = new Link(client, broker);
                links.add(link);
                Thread.ofVirtual().name("fault-proxy-up").start(link::pumpRequests);
                Thread.ofVirtual().name("fault-proxy-down").start(link::pumpResponses);
            } catch (IOException e) {
                if (!closed) {
                    // The broker is not up yet, or went away: the client sees the connection closed and retries.
                    LOG.info("fault proxy: could not reach the broker: {}", e.toString());
                    if (client != null) {
                        closeQuietly(client);
                    }
                }
            }
        }
    }

    /** One client connection and its connection to the broker. */
    private final class Link {
        private final Socket client;
        private final Socket broker;
        private volatile String clientId;
        private volatile boolean marked;
        private volatile long holdResponsesUntilNanos;

        Link(Socket client, Socket broker) {
            this.client = client;
            this.broker = broker;
        }

        /** Client to broker, one request frame at a time, so each can be seen and held whole. */
        void pumpRequests() {
            try (DataInputStream in = new DataInputStream(client.getInputStream())) {
                OutputStream out = broker.getOutputStream();
                while (true) {
                    int size = in.readInt();
                    if (size < 0 || size > MAX_FRAME) {
                        throw new IOException("not a Kafka request frame: size " + size);
                    }
                    byte[] frame = new byte[size];
                    in.readFully(frame);
                    short apiKey = ByteBuffer.wrap(frame).getShort(0);
                    if (clientId == null) {
                        clientId = clientIdOf(frame);
                    }
                    inspect(apiKey, frame);
                    synchronized (out) {
                        out.write(ByteBuffer.allocate(4).putInt(size).array());
                        out.write(frame);
                        out.flush();
                    }
                    if (resetNow(apiKey)) {
                        reset();
                        return;
                    }
                }
            } catch (EOFException | SocketException e) {
                // the client closed; the response side closes the rest
            } catch (IOException e) {
                LOG.debug("fault proxy: request pump ended: {}", e.toString());
            } finally {
                halfClose(broker);
            }
        }

        private void inspect(short apiKey, byte[] frame) {
            for (ResponseHold hold : responseHolds) {
                if (clientId == null || !clientId.contains(hold.clientId())) {
                    continue;
                }
                if (apiKey == PRODUCE && hold.markers().stream().anyMatch(marker -> contains(frame, marker))) {
                    marked = true;
                } else if (apiKey == hold.apiKey() && marked && responseHolds.remove(hold)) {
                    holdResponsesUntilNanos = System.nanoTime() + hold.hold().toNanos();
                    heldResponsesTriggered.incrementAndGet();
                    LOG.info("fault proxy: holding the broker's answers to {} for {}", clientId, hold.hold());
                }
            }
            if (apiKey == END_TXN) {
                marked = false; // the marker belongs to the transaction that just ended
            }
        }

        private boolean resetNow(short apiKey) {
            for (Reset reset : resets) {
                if (reset.apiKey() == apiKey && clientId != null && clientId.contains(reset.clientId()) && resets.remove(reset)) {
                    resetsDone.incrementAndGet();
                    LOG.info("fault proxy: resetting {}'s connection after its request {}", clientId, apiKey);
                    return true;
                }
            }
            return false;
        }

        /** Closes both sides abruptly: the client sees a reset, not an orderly end. */
        private void reset() {
            try {
                client.setSoLinger(true, 0);
                broker.setSoLinger(true, 0);
            } catch (SocketException e) {
                LOG.trace("fault proxy: linger for a reset: {}", e.toString());
            }
            close();
        }

        /** Until when this link's answers are held: by a hold after a request, or one on its client from now. */
        private long heldUntilNanos() {
            String held = heldClientId;
            long forClient = held != null && clientId != null && clientId.contains(held) ? heldClientUntilNanos : 0;
            return Math.max(holdResponsesUntilNanos, forClient);
        }

        /** Broker to client: bytes as they come, after the latency, held while a response hold lasts. */
        void pumpResponses() {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = broker.getInputStream()) {
                OutputStream out = client.getOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    long due = System.nanoTime() + latencyNanos;
                    long waitNanos;
                    while ((waitNanos = Math.max(due, heldUntilNanos()) - System.nanoTime()) > 0) {
                        TimeUnit.NANOSECONDS.sleep(waitNanos);
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException e) {
                // either side closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                close();
            }
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(broker);
        }
    }

    /** The client id of a request frame: header v1+ carries it as an int16-length string after key, version and correlation id. */
    private static String clientIdOf(byte[] frame) {
        if (frame.length < 10) {
            return "";
        }
        ByteBuffer header = ByteBuffer.wrap(frame);
        short length = header.getShort(8);
        if (length < 0 || 10 + length > frame.length) {
            return "";
        }
        return new String(frame, 10, length, StandardCharsets.UTF_8);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void halfClose(Socket socket) {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.trace("fault proxy: closing a socket: {}", e.toString());
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.trace("fault proxy: closing the server socket: {}", e.toString());
        }
        links.forEach(Link::close);
    }
}
