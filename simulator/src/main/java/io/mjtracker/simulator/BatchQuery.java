package io.mjtracker.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a batch query, {@code {"ids": ["...", ...]}}. Members other than {@code ids} are ignored, as
 * the gateways' JSON binding ignores them. Hand-parsed: the simulator has no JSON library and needs none
 * for one flat shape.
 *
 * @param ids the ids as sent, duplicates included
 */
record BatchQuery(List<String> ids) {

    /** Reads a body; a body that is not such an object fails with the reason, which becomes the 400's description. */
    static BatchQuery parse(byte[] body) {
        Reader reader = new Reader(new String(body, StandardCharsets.UTF_8));
        List<String> ids = reader.object();
        reader.end();
        if (ids == null) {
            throw new IllegalArgumentException("ids is required");
        }
        return new BatchQuery(List.copyOf(ids));
    }

    private static final class Reader {

        private final String text;
        private int at;

        Reader(String text) {
            this.text = text;
        }

        /** The top-level object; returns its {@code ids}, or null when it has none. */
        List<String> object() {
            expect('{');
            List<String> ids = null;
            if (peek() == '}') {
                at++;
                return null;
            }
            do {
                String name = string();
                expect(':');
                if (name.equals("ids")) {
                    ids = ids();
                } else {
                    skipValue();
                }
            } while (comma('}'));
            return ids;
        }

        private List<String> ids() {
            expect('[');
            List<String> ids = new ArrayList<>();
            if (peek() == ']') {
                at++;
                return ids;
            }
            do {
                if (peek() != '"') {
                    throw fail("ids must be an array of strings");
                }
                ids.add(string());
            } while (comma(']'));
            return ids;
        }

        private void skipValue() {
            switch (peek()) {
                case '"' -> string();
                case '{' -> skipContainer('}', true);
                case '[' -> skipContainer(']', false);
                default -> {
                    int start = at;
                    while (at < text.length() && "+-.0123456789eEtrufalsn".indexOf(text.charAt(at)) >= 0) {
                        at++;
                    }
                    if (at == start) {
                        throw fail("unexpected character");
                    }
                }
            }
        }

        private void skipContainer(char close, boolean members) {
            at++;
            if (peek() == close) {
                at++;
                return;
            }
            do {
                if (members) {
                    string();
                    expect(':');
                }
                skipValue();
            } while (comma(close));
        }

        private String string() {
            expect('"');
            StringBuilder value = new StringBuilder();
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    value.append(escape());
                } else if (c < 0x20) {
                    throw fail("control character in a string");
                } else {
                    value.append(c);
                }
            }
            throw fail("unterminated string");
        }

        private char escape() {
            if (at >= text.length()) {
                throw fail("unterminated string");
            }
            char c = text.charAt(at++);
            return switch (c) {
                case '"', '\\', '/' -> c;
                case 'b' -> '\b';
                case 'f' -> '\f';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw fail("bad unicode escape");
                    }
                    try {
                        char decoded = (char) Integer.parseInt(text, at, at + 4, 16);
                        at += 4;
                        yield decoded;
                    } catch (NumberFormatException e) {
                        throw fail("bad unicode escape");
                    }
                }
                default -> throw fail("bad escape");
            };
        }

        /** After an element: true on a comma (another follows), false on {@code close}. */
        private boolean comma(char close) {
            char c = peek();
            at++;
            if (c == ',') {
                return true;
            }
            if (c == close) {
                return false;
            }
            throw fail("expected ',' or '" + close + "'");
        }

        private void expect(char c) {
            if (peek() != c) {
                throw fail("expected '" + c + "'");
            }
            at++;
        }

        void end() {
            skipSpace();
            if (at != text.length()) {
                throw fail("trailing characters");
            }
        }

        private char peek() {
            skipSpace();
            if (at >= text.length()) {
                throw fail("unexpected end of body");
            }
            return text.charAt(at);
        }

        private void skipSpace() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private IllegalArgumentException fail(String reason) {
            return new IllegalArgumentException("invalid request body: " + reason + " at offset " + at);
        }
    }
}
