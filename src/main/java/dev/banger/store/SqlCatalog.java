package dev.banger.store;

import dev.banger.model.Catalog;
import java.util.Optional;

/** Looks images and kernels up in their tables, by name or id. */
public final class SqlCatalog implements Catalog {
  private final Database db;

  public SqlCatalog(Database db) {
    this.db = db;
  }

  @Override
  public Optional<ImageRef> image(String nameOrId) {
    return db.read(c -> Sql.first(c,
        "SELECT id, name, rootfs_path, size_bytes, config_json FROM images WHERE name = ? OR id = ? ORDER BY name = ? DESC LIMIT 1",
        rs -> new ImageRef(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), ImageRepository.config(rs.getString(5))),
        nameOrId, nameOrId, nameOrId));
  }

  @Override
  public Optional<KernelRef> kernel(String nameOrId) {
    return kernelWhere("name = ? OR id = ?", nameOrId);
  }

  @Override
  public Optional<KernelRef> defaultKernel() {
    return kernelWhere("is_default = 1 AND ? = ?", "");
  }

  private Optional<KernelRef> kernelWhere(String condition, String arg) {
    return db.read(c -> Sql.first(c,
        "SELECT id, name, vmlinux_path, bzimage_path, initrd_path FROM kernels WHERE " + condition + " LIMIT 1",
        rs -> new KernelRef(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)), arg, arg));
  }
}
