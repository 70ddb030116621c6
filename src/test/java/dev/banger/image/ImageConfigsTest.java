package dev.banger.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banger.image.source.ImageConfigs;
import dev.banger.model.ImageConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The image config is hostile input: every field must have its type, and no string may hold a NUL. */
class ImageConfigsTest {
  private static ImageConfig parse(String json) {
    return ImageConfigs.parse(json.getBytes(StandardCharsets.UTF_8), "img");
  }

  @Test
  void readsEveryRuntimeField() {
    ImageConfig c = parse("{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/e\"],\"Cmd\":[\"a\",\"b c\"],"
        + "\"Env\":[\"X=1\",\"Y=\"],\"WorkingDir\":\"/w\",\"User\":\"app:staff\",\"ExposedPorts\":{\"9/udp\":{},\"8/tcp\":{}},"
        + "\"StopSignal\":\"SIGINT\",\"Labels\":{\"b\":\"2\",\"a\":\"1\"},\"Volumes\":{\"/data\":{}}}}");
    assertThat(c.entrypoint()).containsExactly("/e");
    assertThat(c.cmd()).containsExactly("a", "b c");
    assertThat(c.env()).containsExactly("X=1", "Y=");
    assertThat(c.workingDir()).isEqualTo("/w");
    assertThat(c.user()).isEqualTo("app:staff");
    assertThat(c.exposedPorts()).containsExactly("8/tcp", "9/udp");
    assertThat(c.stopSignal()).isEqualTo("SIGINT");
    assertThat(c.labels()).containsExactly(java.util.Map.entry("a", "1"), java.util.Map.entry("b", "2"));
    assertThat(c.hasProcess()).isTrue();
  }

  @Test
  void unsetIsNotEmpty() {
    ImageConfig none = parse("{\"architecture\":\"amd64\"}");
    assertThat(none.entrypoint()).isNull();
    assertThat(none.cmd()).isNull();
    assertThat(none.hasProcess()).isFalse();
    ImageConfig empty = parse("{\"config\":{\"Entrypoint\":[],\"Cmd\":null,\"WorkingDir\":\"\"}}");
    assertThat(empty.entrypoint()).isEmpty();
    assertThat(empty.cmd()).isNull();
    assertThat(empty.workingDir()).isNull();
    assertThat(empty.hasProcess()).isFalse();
  }

  @Test
  void wrongTypesAndNulsAreRefused() {
    assertThatThrownBy(() -> parse("{\"config\":{\"Cmd\":\"/bin/sh\"}}")).hasMessage("img: image config Cmd is not an array of strings");
    assertThatThrownBy(() -> parse("{\"config\":{\"Env\":[1]}}")).hasMessage("img: image config Env holds a number where a string belongs");
    assertThatThrownBy(() -> parse("{\"config\":{\"User\":\"a\\u0000b\"}}")).hasMessage("img: image config User holds a NUL character");
    assertThatThrownBy(() -> parse("{\"config\":{\"Labels\":{\"k\":{}}}}")).hasMessageContaining("Labels k holds an object");
    assertThatThrownBy(() -> parse("{\"config\":[]}")).hasMessageContaining("'config' is not an object");
    assertThatThrownBy(() -> parse("[")).hasMessageContaining("not valid JSON");
  }
}
