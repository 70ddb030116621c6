-- Guest setup before the first boot (issue 7): whether banger has written the VM's hostname,
-- hosts, resolv.conf and ssh keys into its root disk: pending, writing (interrupted), done.
-- VMs that already booted keep their disks as they are.
ALTER TABLE vms ADD COLUMN guest_setup TEXT NOT NULL DEFAULT 'pending';
UPDATE vms SET guest_setup = 'done' WHERE started_at IS NOT NULL;
