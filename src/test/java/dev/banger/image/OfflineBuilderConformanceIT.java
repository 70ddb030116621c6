package dev.banger.image;

/** The conformance suite against the offline (mke2fs -d + debugfs) builder. */
class OfflineBuilderConformanceIT extends ImageConformanceIT {
  @Override
  BuilderChoice builder() {
    return BuilderChoice.OFFLINE;
  }
}
