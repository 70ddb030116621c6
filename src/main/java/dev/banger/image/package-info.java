/**
 * Image import: container images and root filesystem tarballs become verified ext4 root
 * filesystems under {@code <state-dir>/images/sha256-<hex>/rootfs.ext4}.
 *
 * <p>Entry point: {@link dev.banger.image.ImageService} ({@code importPath}, {@code pull},
 * {@code list}, {@code inspect}, {@code remove}, {@code sweepLeftovers}). Sub-packages:
 *
 * <ul>
 *   <li>{@code model} — the one flattening model ({@code Flattener}) and the name rules
 *       ({@code NameSafety}); no I/O of its own.
 *   <li>{@code source} — local sources detected by content (OCI layout, OCI archive, docker
 *       archive, rootfs tar/gz/zst), digest-verified layer reading.
 *   <li>{@code registry} — the OCI distribution client.
 *   <li>{@code ext4} — the two builders ({@code MountBuilder}, {@code OfflineBuilder}) behind
 *       {@code ImageBuilder}, {@code ApplyOwnership} (one debugfs script), mke2fs/e2fsck.
 * </ul>
 */
package dev.banger.image;
