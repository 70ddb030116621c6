package dev.banger.guest;

import dev.banger.host.TreeFiles;
import dev.banger.error.BangerException;
import dev.banger.host.Command;
import dev.banger.host.CommandResult;
import dev.banger.host.CommandRunner;
import dev.banger.store.StagedDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * banger's own ssh key pair ({@code <state dir>/ssh/id_ed25519}), made once with ssh-keygen the
 * first time a VM asks for ssh access, and the check of public keys users hand in. The pair is
 * generated in {@code ssh.new-<random>} ({@link StagedDirs}) and published by renaming that directory, so a crash
 * leaves either no key or a whole one, never a private key without its public half.
 */
public final class SshKeys {
  public static final String DIR = "ssh";
  private static final String KEY = "id_ed25519";
  private static final Pattern PUBLIC_KEY =
      Pattern.compile("(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) [A-Za-z0-9+/]+=*( .*)?");

  private final Path stateDir;
  private final CommandRunner runner;

  public SshKeys(Path stateDir, CommandRunner runner) {
    this.stateDir = stateDir;
    this.runner = runner;
  }

  /** Where the private key is (or will be): the CLI passes it to ssh with {@code -i}. */
  public Path privateKey() {
    return stateDir.resolve(DIR).resolve(KEY);
  }

  /** banger's public key if it was made already; never generates it. */
  public java.util.Optional<String> existingPublicKey() {
    Path pub = stateDir.resolve(DIR).resolve(KEY + ".pub");
    try {
      return Files.exists(pub) ? java.util.Optional.of(Files.readString(pub, StandardCharsets.UTF_8).strip()) : java.util.Optional.empty();
    } catch (IOException e) {
      throw BangerException.internal("Tried to read banger's ssh key " + pub + " but failed: " + e.getMessage(), e);
    }
  }

  /** banger's public key, one line; generates the pair on first use. */
  public synchronized String publicKey() {
    Path pub = stateDir.resolve(DIR).resolve(KEY + ".pub");
    try {
      if (!Files.exists(pub)) {
        generate();
      }
      return Files.readString(pub, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw BangerException.internal("Tried to read or create banger's ssh key in " + pub.getParent() + " but failed: " + e.getMessage(), e);
    }
  }

  private void generate() throws IOException {
    Path dir = stateDir.resolve(DIR);
    removeLeftovers();
    Path temp = StagedDirs.create(stateDir, DIR);
    try {
      CommandResult result = runner.run(Command.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "banger",
          "-f", temp.resolve(KEY).toString()));
      if (!result.ok()) {
        throw BangerException.precondition("Tried to create banger's ssh key with ssh-keygen but it failed: "
            + result.stderr().strip() + " (install openssh-client)");
      }
      StagedDirs.syncFiles(temp);
      StagedDirs.publish(temp, dir);
    } finally {
      TreeFiles.deleteRecursively(temp);
    }
  }

  /** Half-made key directories of a generation that crashed. */
  private void removeLeftovers() throws IOException {
    for (Path leftover : StagedDirs.leftovers(stateDir, DIR)) {
      TreeFiles.deleteRecursively(leftover);
    }
  }

  /**
   * The authorized_keys content for a VM: the user's keys (from {@code --ssh-key}), if any, and
   * banger's own key, which {@code banger ssh/exec/cp} log in with. Installing banger's key
   * grants nothing new: whoever runs banger is root on the host and can already read and write
   * the VM's disk.
   */
  public String authorizedKeys(String userKeys) {
    StringBuilder keys = new StringBuilder();
    if (userKeys != null) {
      checkPublicKeys(userKeys);
      keys.append(userKeys.strip()).append('\n');
    }
    return keys.append(publicKey()).append('\n').toString();
  }

  /** Refuses anything but OpenSSH public key lines; a private key gets a message of its own. */
  static void checkPublicKeys(String text) {
    if (text.contains("PRIVATE KEY")) {
      throw BangerException.invalid("--ssh-key was given a private key; pass the public half (the .pub file) instead");
    }
    List<String> lines = text.strip().lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    if (lines.isEmpty()) {
      throw BangerException.invalid("--ssh-key holds no public key");
    }
    for (String line : lines) {
      if (!PUBLIC_KEY.matcher(line).matches()) {
        String shown = line.length() > 40 ? line.substring(0, 40) + "…" : line;
        throw BangerException.invalid("--ssh-key: '" + shown + "' is not an OpenSSH public key line (type, base64 key, comment)");
      }
    }
  }
}
