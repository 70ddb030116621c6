package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body under a byte cap without ever holding more than the cap: a declared
 * Content-Length over it is refused before a byte is read, and a body of unknown length (chunked)
 * is counted as it arrives and refused at the first byte past the cap.
 */
final class RequestBody {
  static final int MAX_BYTES = 1 << 20;

  private RequestBody() {}

  static String read(Request request) throws IOException {
    return read(request, MAX_BYTES);
  }

  static String read(Request request, int maxBytes) throws IOException {
    long declared = request.getLength();
    if (declared > maxBytes) {
      throw tooLarge(maxBytes, declared + " bytes declared");
    }
    InputStream in = Content.Source.asInputStream(request);
    byte[] bytes = in.readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw tooLarge(maxBytes, "more sent");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw BangerException.invalid("request body is not valid UTF-8");
    }
  }

  private static BangerException tooLarge(int maxBytes, String seen) {
    return new BangerException(ErrorKind.PAYLOAD_TOO_LARGE,
        "request body is larger than the API's limit of " + maxBytes + " bytes (" + seen + ")");
  }
}
