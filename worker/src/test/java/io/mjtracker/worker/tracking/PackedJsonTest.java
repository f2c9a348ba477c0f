package io.mjtracker.worker.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PackedJsonTest {

    private final PackedJson packed = new PackedJson();

    @Test
    void taskJsonComesBackExactlyAndSmaller() {
        String json = "{\"id\":\"1730621826053455\",\"action\":\"IMAGINE\",\"prompt\":\"pig --v 6.1\",\"promptEn\":\"pig --v 6.1\","
                + "\"status\":\"IN_PROGRESS\",\"progress\":\"58%\",\"imageUrl\":\"\",\"buttons\":[],\"properties\":{\"finalPrompt\":\"猪\"}}";

        byte[] bytes = packed.pack(json);

        assertThat(packed.unpack(bytes)).isEqualTo(json);
        assertThat(bytes.length).isLessThan(json.length());
        assertThat(packed.unpack(packed.pack(""))).isEmpty();
        assertThat(packed.unpack(null)).isNull();
    }
}
