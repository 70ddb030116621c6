package dev.banger.api;

import dev.banger.error.BangerException;
import dev.banger.error.ErrorKind;
import dev.banger.host.Accounts;
import dev.banger.host.UserAccount;
import java.io.IOException;
import java.util.function.IntSupplier;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Who is calling, from the kernel rather than from anything the client says: {@code SO_PEERCRED}
 * of the connection (the credentials the peer had when it connected). Root and members of the
 * socket's group are admitted; everyone else is refused with 403, even if the socket's mode was
 * loosened or the path is reachable some other way.
 */
final class PeerGate {
  private final Accounts accounts;
  private final IntSupplier socketGid;

  /**
   * A gate for the socket's group.
   *
   * @param socketGid the group the socket belongs to, whose members may call; -1 admits only root
   */
  PeerGate(Accounts accounts, IntSupplier socketGid) {
    this.accounts = accounts;
    this.socketGid = socketGid;
  }

  /**
   * The caller of {@code request}, admitted.
   *
   * @throws BangerException (permission denied) for a caller who is neither root nor in the group
   */
  UserAccount admit(Request request) {
    UnixDomainPrincipal peer = peer(request);
    UserAccount caller = accounts.resolve(peer.user(), peer.group());
    int gid = socketGid.getAsInt();
    if (!caller.isRoot() && (gid < 0 || !caller.inGroup(gid))) {
      throw new BangerException(ErrorKind.PERMISSION_DENIED, "user " + caller + " may not use the banger daemon:"
          + " only root and members of the socket's group (gid " + gid + ") may; ask an administrator to add you"
          + " to it");
    }
    return caller;
  }

  private static UnixDomainPrincipal peer(Request request) {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    if (endPoint instanceof SocketChannelEndPoint channelEndPoint) {
      try {
        return channelEndPoint.getChannel().getOption(ExtendedSocketOptions.SO_PEERCRED);
      } catch (IOException | UnsupportedOperationException e) {
        throw new BangerException(ErrorKind.PERMISSION_DENIED, "cannot read the caller's credentials: " + e.getMessage(), e);
      }
    }
    throw new BangerException(ErrorKind.PERMISSION_DENIED, "cannot identify the caller: not a Unix socket connection");
  }
}
