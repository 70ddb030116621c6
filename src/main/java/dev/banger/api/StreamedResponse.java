package dev.banger.api;

import dev.banger.image.ImportProgress;

/**
 * A route's answer that streams progress while its work runs: status 200, NDJSON lines
 * ({@link StreamEvent}) and a last line with the work's result or error. Routes return it only
 * when the client asked for {@value StreamEvent#MEDIA_TYPE}; everyone else gets the plain answer.
 *
 * @param work the route's work; it returns what the plain route would (a body or an {@link ApiResponse})
 */
public record StreamedResponse(Work work) {
  /** Work that reports progress. */
  @FunctionalInterface
  public interface Work {
    Object run(ImportProgress progress) throws Exception;
  }

  /** Streams when {@code request} asks for it, else runs {@code work} now without progress. */
  static Object answer(ApiRequest request, Work work) throws Exception {
    return request.accepts(StreamEvent.MEDIA_TYPE) ? new StreamedResponse(work) : work.run(ImportProgress.NONE);
  }
}
