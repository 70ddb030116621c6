-- Container mode (issue 13): the image's runtime config (Entrypoint, Cmd, Env, WorkingDir, User,
-- ExposedPorts, StopSignal, Labels) kept at import, as JSON; NULL for images without one (rootfs
-- tarballs, and images imported before this version: re-import them to run their process).
ALTER TABLE images ADD COLUMN config_json TEXT;
-- How a container-mode VM's process ended: its exit code and when, as banger's init reported it.
ALTER TABLE vms ADD COLUMN exit_code INTEGER;
ALTER TABLE vms ADD COLUMN finished_at TEXT;
-- The latest boot: the id banger's init echoes in its exit record, and where the console log
-- stood when it began (what that boot printed starts there).
ALTER TABLE vms ADD COLUMN boot_id TEXT;
ALTER TABLE vms ADD COLUMN boot_log_offset INTEGER;
