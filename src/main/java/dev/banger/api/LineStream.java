package dev.banger.api;

import java.io.IOException;

/**
 * A route's answer that is an open-ended NDJSON stream (the event feed): status 200, then one
 * line per {@link Sink#line} until the work returns or the client goes away (a write then throws
 * and the work ends).
 */
public record LineStream(Work work) {
  /** Where lines go; a write to a client that left throws. */
  @FunctionalInterface
  public interface Sink {
    void line(String json) throws IOException;
  }

  /** The streaming work. */
  @FunctionalInterface
  public interface Work {
    void run(Sink sink) throws Exception;
  }
}
