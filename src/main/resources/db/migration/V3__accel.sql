-- What each VM's vCPUs ran under at its latest start (issue 12): 'kvm' or 'tcg'; NULL until then.
ALTER TABLE vms ADD COLUMN accel TEXT;
