package dev.banger.model;

import java.util.function.UnaryOperator;

/**
 * Where host-resource code reports each handle the moment it exists (or, for names fixed in
 * advance such as a tap, just before it is created), and again when it is gone. The caller owns
 * the canonical {@link VmHandles}: it applies the change and persists the result (cache,
 * handles.json, VmRuntime mirror) before returning, so a crash between two steps never loses
 * track of a device.
 *
 * <p>If {@code apply} throws, the resource code undoes what it created in that operation and
 * rethrows: a handle that could not be recorded must not outlive the call.
 */
@FunctionalInterface
public interface HandleSink {
  void apply(UnaryOperator<VmHandles> change);

  /** A sink that records nothing, for callers that persist elsewhere (and for tests). */
  static HandleSink discard() {
    return change -> {};
  }
}
