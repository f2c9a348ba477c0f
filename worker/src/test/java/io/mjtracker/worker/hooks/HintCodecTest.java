package io.mjtracker.worker.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Hints as the hints topic carries them; a record this version cannot read is skipped, never fatal. */
class HintCodecTest {

    private final HintCodec codec = new HintCodec(new ObjectMapper());

    @Test
    void aHintReadsBackAsWritten() {
        Hint hint = new Hint("self-hosted", "1730621826053455", "IN_PROGRESS", "45%", 1_730_621_855_901L);

        assertThat(codec.read(codec.write(hint))).contains(hint);
    }

    @Test
    void whatIsNoHintIsSkipped() {
        for (String value : new String[] {"", "not json", "[1,2]", "{\"id\":\"1\"}", "{\"upstream\":7,\"id\":\"1\"}"}) {
            assertThat(codec.read(value.getBytes(StandardCharsets.UTF_8))).as(value).isEmpty();
        }
        assertThat(codec.read(null)).isEmpty();
        assertThat(codec.read("{\"upstream\":\"u\",\"id\":\"1\",\"future\":true}".getBytes(StandardCharsets.UTF_8)))
                .as("fields added later are ignored; absent ones read as empty")
                .contains(new Hint("u", "1", "", "", 0));
    }
}
