package dev.banger.http;

import java.util.Map;

/**
 * A complete HTTP response. Header names are lower-cased.
 *
 * @param status the status code
 * @param headers response headers, last value wins
 * @param body the body decoded as UTF-8 (every API banger speaks is JSON or text)
 */
public record HttpResponse(int status, Map<String, String> headers, String body) {
  public HttpResponse {
    headers = Map.copyOf(headers);
  }

  public boolean isSuccess() {
    return status >= 200 && status < 300;
  }
}
