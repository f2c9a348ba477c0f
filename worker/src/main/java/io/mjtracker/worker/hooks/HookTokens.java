package io.mjtracker.worker.hooks;

import io.mjtracker.worker.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * Which profile's hook URL a token opens. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} (constant time in the token), and an unknown profile is compared against a
 * random digest too, so the time an answer takes tells a caller neither whether the profile exists nor how
 * much of a token was right.
 */
public final class HookTokens {

    private final Map<String, byte[]> digests = new HashMap<>();
    private final byte[] decoy;

    /** @param tokens by profile name; profiles without hooks are left out */
    public HookTokens(Map<String, Secret> tokens) {
        tokens.forEach((profile, token) -> digests.put(profile, digest(token.reveal())));
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        decoy = random;
    }

    /** Whether {@code token} is the hook token of {@code profile}. */
    public boolean accepts(String profile, String token) {
        byte[] expected = digests.getOrDefault(profile, decoy);
        boolean equal = MessageDigest.isEqual(expected, digest(token));
        return equal && expected != decoy;
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
