package dev.banger.api;

/** Bodies the API accepts (besides {@link dev.banger.vm.CreateVmRequest}). Null means default. */
final class Requests {
  private Requests() {}

  /** {@code POST /v1/images/import}: an absolute path on the daemon's host. */
  record ImportImage(String path, String name, Long sizeBytes, String builder) {}

  /** {@code POST /v1/images/pull}. */
  record PullImage(String reference, String name, String platform, Boolean insecure, String username, String password) {}

  /** {@code POST /v1/kernels/import}: a vmlinux/bzImage, or a Debian kernel package with fromDeb. */
  record ImportKernel(String path, String name, String initrd, Boolean fromDeb, String busybox, Boolean makeDefault) {}

  /** {@code POST /v1/vms/{name}/stop}. */
  record StopVm(Long timeoutSeconds, Boolean force) {}

  /** {@code POST /v1/vms/{name}/console}: bytes for the guest's serial console, base64. */
  record ConsoleInput(String data) {}
}
