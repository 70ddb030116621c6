-- Initial schema. Migrations are applied in order, each in one transaction; never edit a
-- released migration, add a new one.
CREATE TABLE kernels (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  vmlinux_path TEXT,
  bzimage_path TEXT,
  initrd_path  TEXT,
  is_default   INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL
);

CREATE TABLE images (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  digest      TEXT NOT NULL,
  source      TEXT NOT NULL,
  size_bytes  INTEGER NOT NULL,
  rootfs_path TEXT NOT NULL,
  builder     TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
CREATE INDEX images_digest ON images(digest);

CREATE TABLE vms (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  state             TEXT NOT NULL,
  spec_json         TEXT NOT NULL,
  image_id          TEXT REFERENCES images(id) ON DELETE RESTRICT,
  kernel_id         TEXT REFERENCES kernels(id) ON DELETE RESTRICT,
  vm_dir            TEXT,
  api_socket        TEXT,
  cow_path          TEXT,
  console_log       TEXT,
  guest_ip          TEXT,
  guest_mac         TEXT,
  rootdisk_strategy TEXT,
  last_error        TEXT,
  created_at        TEXT NOT NULL,
  started_at        TEXT,
  -- Mirror of the teardown-critical handles (crash-recovery fallback for handles.json).
  tap_device        TEXT,
  base_loop         TEXT,
  cow_loop          TEXT,
  dm_name           TEXT,
  dm_dev            TEXT
);

CREATE TABLE ip_leases (
  ip         TEXT PRIMARY KEY,
  vm_id      TEXT NOT NULL UNIQUE REFERENCES vms(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
);
