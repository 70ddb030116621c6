package dev.banger.vm;

/**
 * What {@code banger ssh}, {@code exec} and {@code cp} need to reach a VM ({@code GET
 * /v1/vms/{name}/ssh}): the CLI runs the system ssh client itself, inside the daemon's network
 * namespace when it has one, because only there is the guest's address reachable.
 *
 * @param name the VM's name
 * @param state its state ({@code running}, …)
 * @param ip the guest's address, or null without a network
 * @param netns the daemon's network namespace, or null for the host's
 * @param user the user to log in as
 * @param port the guest's ssh port
 * @param identityFile banger's private key when the VM has banger's public key, else null
 * @param knownHostsFile the VM's own known_hosts, in its directory: gone when the VM is deleted
 */
public record SshTarget(String name, String state, String ip, String netns, String user, int port,
    String identityFile, String knownHostsFile) {}
