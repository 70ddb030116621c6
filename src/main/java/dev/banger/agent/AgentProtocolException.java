package dev.banger.agent;

import java.io.IOException;

/** The peer broke the agent protocol: the connection is out of step and must be dropped. */
public final class AgentProtocolException extends IOException {
  private static final long serialVersionUID = 1L;

  public AgentProtocolException(String message) {
    super(message);
  }
}
