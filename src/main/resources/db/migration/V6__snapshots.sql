-- Snapshots (issue 16): a paused moment of a VM kept as a template for clones. The files (saved
-- state, manifest, disk copy) are in the state directory's snapshots/<id>/, published by rename
-- before this row is inserted; a directory without a row is a crash's leftover and is swept.
CREATE TABLE snapshots (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  source_vm TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  image_id TEXT NOT NULL,
  kernel_id TEXT NOT NULL,
  rootdisk_strategy TEXT NOT NULL,
  accel TEXT NOT NULL,
  dir TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  started_at TEXT,
  created_at TEXT NOT NULL
);
