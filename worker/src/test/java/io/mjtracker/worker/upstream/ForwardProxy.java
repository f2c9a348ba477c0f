package io.mjtracker.worker.upstream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real forward proxy on loopback, as small as one can be: {@code CONNECT host:port} opens a tunnel
 * (what clients do for https), an absolute-form request ({@code GET http://host/path}) is sent on in
 * origin form (plain http). It records the first request line of every connection.
 */
final class ForwardProxy implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<String> requestLines = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private ForwardProxy(ServerSocket server) {
        this.server = server;
        threads.submit(this::accept);
    }

    static ForwardProxy start() throws IOException {
        return new ForwardProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** The first request line of each connection clients made, e.g. {@code CONNECT 127.0.0.1:4431 HTTP/1.1}. */
    List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    private Void accept() throws IOException {
        while (!server.isClosed()) {
            Socket client = server.accept();
            open.add(client);
            threads.submit(() -> serve(client));
        }
        return null;
    }

    private Void serve(Socket client) throws IOException {
        try (client) {
            String head = readHead(client.getInputStream());
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            requestLines.add(requestLine);
            String[] parts = requestLine.split(" ");
            if (parts[0].equals("CONNECT")) {
                URI target = URI.create("tcp://" + parts[1]);
                try (Socket upstream = connect(target)) {
                    client.getOutputStream().write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    relay(client, upstream, new byte[0]);
                }
            } else {
                URI target = URI.create(parts[1]);
                String originForm = parts[0] + " " + target.getRawPath() + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery())
                        + " " + parts[2] + head.substring(head.indexOf("\r\n"));
                try (Socket upstream = connect(target)) {
                    relay(client, upstream, originForm.getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
        return null;
    }

    private Socket connect(URI target) throws IOException {
        Socket upstream = new Socket(target.getHost(), target.getPort());
        open.add(upstream);
        return upstream;
    }

    /** Copies both ways until either side closes. */
    private void relay(Socket client, Socket upstream, byte[] first) throws IOException {
        OutputStream toUpstream = upstream.getOutputStream();
        toUpstream.write(first);
        toUpstream.flush();
        threads.submit(() -> client.getInputStream().transferTo(toUpstream));
        upstream.getInputStream().transferTo(client.getOutputStream());
    }

    /** The request line and headers, byte by byte so that nothing after them is consumed. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int next = in.read();
            if (next < 0) {
                throw new IOException("connection closed inside the request head");
            }
            head.write(next);
            matched = next == "\r\n\r\n".charAt(matched) ? matched + 1 : next == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
