package io.mjtracker.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the kernel says of this host's TCP connections (Linux's {@code /proc/net/tcp} tables). */
public final class TcpConnections {

    private TcpConnections() {}

    /**
     * Established connections whose remote end is {@code port} on this host: the client sides of the
     * connections to a server listening there, whoever holds them.
     */
    public static int establishedTo(int port) {
        int count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                List<String> lines = Files.readAllLines(Path.of(table));
                for (String line : lines.subList(1, lines.size())) {
                    String[] fields = line.trim().split("\\s+");
                    String remote = fields[2];
                    if (fields[3].equals("01") && Integer.parseInt(remote.substring(remote.indexOf(':') + 1), 16) == port) {
                        count++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + table + " (this needs Linux)", e);
            }
        }
        return count;
    }
}
