package dev.banger.api;

import dev.banger.error.ErrorKind;
import dev.banger.json.Json;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers — a request it cannot parse (bad URI, header or version), one it
 * fails before a route sees it — in the API's JSON shape instead of HTML, so every error a client
 * gets is {@code {"error":{"code":…,"message":…}}}.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, body(code, message), callback);
  }

  static String body(int status, String message) {
    String reason = HttpStatus.getMessage(status);
    String text = message == null || message.isBlank() ? reason : reason + ": " + message;
    return Json.write(ApiHandler.error(kindOf(status).code(), text)) + "\n";
  }

  /** The error kind whose status is {@code status}, else the nearest class (4xx invalid, 5xx internal). */
  static ErrorKind kindOf(int status) {
    for (ErrorKind kind : ErrorKind.values()) {
      if (kind.httpStatus() == status) {
        return kind;
      }
    }
    return status >= 500 ? ErrorKind.INTERNAL : ErrorKind.INVALID_ARGUMENT;
  }
}
