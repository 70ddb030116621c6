package dev.banger.image;

/** The conformance suite against the mount builder. */
class MountBuilderConformanceIT extends ImageConformanceIT {
  @Override
  BuilderChoice builder() {
    return BuilderChoice.MOUNT;
  }
}
