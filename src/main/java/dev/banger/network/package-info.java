/**
 * VM networking: bridge, taps, IP leases, NAT and port forwards, and each guest's filter (no
 * spoofing, no host addresses, no link-local, no other VMs unless {@link dev.banger.network.VmToVm#ALLOW}),
 * optionally inside a named network namespace. Everything on the host side is nftables.
 *
 * <p>Wiring (daemon start): {@code NetworkConfig config = new NetworkConfig(bridge,
 * Ipv4Subnet.parse(subnetOption), netnsOption, dnsOrNull)} (or {@code NetworkConfig.defaults()}),
 * {@code BridgeNetwork network = BridgeNetwork.create(runner, config, new LeaseRepository(db))},
 * then {@code network.setUp()} before serving requests; it refuses an overlapping subnet, and
 * {@code create} refuses a host without nft.
 *
 * <p>Per VM: {@code attach} in the {@code net.tap} start step (its {@link
 * dev.banger.network.GuestNetwork} gives the MAC for the VMM and {@code kernelArg()} for the
 * kernel command line), {@code detach} in teardown right after the VMM is gone,
 * {@code releaseLease} on delete (deleting the vms row also drops it). Reconcile checks taps with
 * {@code tapExists} and ends with {@code sweep(keepTaps)}.
 *
 * <p>VMM processes that must run inside the namespace prefix their argv with
 * {@link dev.banger.host.NetnsCommandRunner#prefix(String)}.
 */
package dev.banger.network;
