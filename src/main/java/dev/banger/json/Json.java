package dev.banger.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The daemon's one Jackson configuration: strict on input (unknown fields, trailing tokens,
 * strings where numbers belong and nulls for primitives are all errors), ISO-8601 times on
 * output. Strictness matters twice: an API caller learns about a typo at once, and a damaged
 * handles.json is reported as corrupt instead of half-read.
 */
public final class Json {
  private static final ObjectMapper MAPPER = build();

  private static ObjectMapper build() {
    JsonMapper mapper = JsonMapper.builder()
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .addModule(new JavaTimeModule())
          .build();
    // A number or boolean where a string belongs is a type error, not a string.
    for (CoercionInputShape shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
    }
    return mapper;
  }

  private Json() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Where a document failed to parse, without any of its text: Jackson's messages quote the
   * offending token, and the document may be a root-only file reached through a symlink or a
   * file of secrets (issue 15).
   */
  public static String errorLocation(java.io.IOException e) {
    if (e instanceof JsonProcessingException p && p.getLocation() != null) {
      return "at line " + p.getLocation().getLineNr() + ", column " + p.getLocation().getColumnNr();
    }
    return "(" + e.getClass().getSimpleName() + ")";
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }
}
