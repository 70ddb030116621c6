-- Volumes (issue 19): ext4 images banger makes and keeps apart from any VM, so data outlives `rm`.
CREATE TABLE volumes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
-- Who holds a volume (a banger volume's id, or a host image file's absolute path) while a VM runs:
-- the attachment handle. One row per holder; the volume.attach start step inserts it before the
-- VMM opens the file, teardown deletes it, reconcile deletes those of VMs that are not running.
CREATE TABLE volume_holders (
  volume_key TEXT NOT NULL,
  vm_id TEXT NOT NULL REFERENCES vms(id) ON DELETE CASCADE,
  read_only INTEGER NOT NULL,
  PRIMARY KEY (volume_key, vm_id)
);
