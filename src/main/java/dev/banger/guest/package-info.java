/**
 * Guest setup before the first boot: the files a VM is given ({@link dev.banger.guest.GuestFiles})
 * and the debugfs writer that puts them into the VM's own root disk, never into the shared image
 * ({@link dev.banger.guest.GuestDiskWriter}). Knows nothing of VMs beyond the values it is given.
 */
package dev.banger.guest;
