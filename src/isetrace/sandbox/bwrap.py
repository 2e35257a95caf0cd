"""The ``bwrap`` backend (default): one long-lived bubblewrap sandbox per session.

The chain that starts a session, each link for one reason:

1. as root, ``setpriv`` drops to the unprivileged :data:`SANDBOX_HOST_UID` (so process limits bind and
   nothing in the sandbox is root on the host); as anyone else, stay yourself. Dropping in a program of
   its own, not in the spawn, keeps the spawn a ``vfork``: a full fork of a large runner process stalls
   its event loop for milliseconds;
2. ``unshare --user --map-root-user --mount``: a user and mount namespace of our own, in which we may
   mount a size-capped tmpfs (the session's whole writable layer) and an overlay of the template under
   it — copy-on-write, so sessions store only their changes;
3. ``bwrap``: a second user namespace (the agent is uid 1000, unable to make more namespaces), new PID,
   IPC, UTS and (unless the run allows it) network namespaces, host system directories read-only, the
   workspace writable, private ``/tmp``, ``/proc`` and ``/dev``, no host home, a clean environment, and
   ``--die-with-parent``;
4. the supervisor, which then serves every command of the session over a pipe.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import shutil
from pathlib import Path

from isetrace.config import SandboxConfig
from isetrace.errors import SandboxUnavailable
from isetrace.sandbox._common import Preflight, supervisor_settings
from isetrace.sandbox.base import SessionInfo
from isetrace.sandbox.cgroups import SessionCgroup, cgroup_problem
from isetrace.sandbox.session import SupervisedSandbox, launch_supervised, supervisor_config_arg, supervisor_path
from isetrace.sandbox.templates import SANDBOX_HOST_UID, SandboxHome, remove_session_dir

__all__ = ["WORKSPACE", "bwrap_problems", "open_bwrap"]

log = logging.getLogger(__name__)

WORKSPACE = "/workspace"
HOME = "/home/agent"
SUPERVISOR = "/.ise/supervisor.py"
AGENT_UID = 1000
_ETC = ("alternatives", "ssl", "ca-certificates", "pki", "resolv.conf", "hosts", "nsswitch.conf", "localtime",
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "mime.types", "protocols", "services", "timezone")
_TOP_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
PYTHON = "/usr/bin/python3"


def bwrap_problems() -> list[str]:
    """What keeps bubblewrap from working on this machine, each with what to do; empty when nothing."""
    problems = []
    tools = [("bwrap", "bubblewrap"), ("unshare", "util-linux"), ("mount", "mount")]
    if os.geteuid() == 0:
        tools.append(("setpriv", "util-linux"))
    for tool, package in tools:
        if shutil.which(tool) is None:
            problems.append(f"'{tool}' is not installed: install the Debian package '{package}' "
                            f"(apt-get install {package})")
    if not Path(PYTHON).exists():
        problems.append(f"{PYTHON} is missing: the sandbox runs its supervisor with the system python3 "
                        "(apt-get install python3)")
    limit = Path("/proc/sys/user/max_user_namespaces")
    if limit.exists() and limit.read_text().strip() == "0":
        problems.append("user namespaces are disabled (user.max_user_namespaces = 0): enable them with "
                        "'sysctl -w user.max_user_namespaces=15000', or use the docker backend")
    clone = Path("/proc/sys/kernel/unprivileged_userns_clone")
    if clone.exists() and clone.read_text().strip() == "0":
        problems.append("unprivileged user namespaces are off (kernel.unprivileged_userns_clone = 0): "
                        "'sysctl -w kernel.unprivileged_userns_clone=1', or use the docker backend")
    apparmor = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
    if apparmor.exists() and apparmor.read_text().strip() == "1":
        problems.append("AppArmor restricts unprivileged user namespaces "
                        "(kernel.apparmor_restrict_unprivileged_userns = 1): allow bwrap with an AppArmor "
                        "profile, or 'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'")
    return problems


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _TOP_DIRS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), f"/{name}"]
        elif path.is_dir():
            args += ["--ro-bind", str(path), f"/{name}"]
    for name in _ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _identity_files(scratch: Path) -> list[str]:
    """A passwd and group naming only the agent, so tools that look up the user find one."""
    (scratch / "passwd").write_text(f"root:x:0:0:root:/root:/bin/sh\nagent:x:{AGENT_UID}:{AGENT_UID}:agent:{HOME}:"
                                    "/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (scratch / "group").write_text(f"root:x:0:\nagent:x:{AGENT_UID}:\nnogroup:x:65534:\n")
    return ["--ro-bind", str(scratch / "passwd"), "/etc/passwd", "--ro-bind", str(scratch / "group"), "/etc/group"]


def _bwrap_argv(config: SandboxConfig, scratch: Path, merged: Path, supervisor: Path,
                settings_arg: str) -> list[str]:
    argv = ["bwrap", "--unshare-user", "--uid", str(AGENT_UID), "--gid", str(AGENT_UID), "--disable-userns",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--clearenv"]
    if not config.network:
        argv.append("--unshare-net")
    argv += _system_binds() + _identity_files(scratch)
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--tmpfs", "/home",
             "--dir", HOME, "--bind", str(merged), WORKSPACE, "--ro-bind", str(supervisor), SUPERVISOR,
             "--remount-ro", "/", "--chdir", WORKSPACE, PYTHON, "-I", "-S", SUPERVISOR, settings_arg]
    return argv


def _launcher(config: SandboxConfig, template: Path, layer: Path, bwrap_argv: list[str],
              wait_for_go: bool) -> list[str]:
    """``unshare`` + a few mounts, then exec bwrap (behind ``setpriv`` as root): the overlay must exist
    before bwrap binds it. ``layer`` is the empty directory the session's tmpfs is mounted on.

    With ``wait_for_go`` the launcher first reads one line from its stdin, so the host can put it into
    the session's cgroup before it starts anything.
    """
    upper, work, merged = layer / "upper", layer / "work", layer / "merged"
    script = "; ".join([
        *(["read -r go"] if wait_for_go else []),
        "set -e",
        f"mount -t tmpfs -o size={config.limits.disk_mb}m,mode=0755 ise-layer {shlex.quote(str(layer))}",
        f"mkdir {shlex.quote(str(upper))} {shlex.quote(str(work))} {shlex.quote(str(merged))}",
        f"mount -t overlay ise-workspace -o lowerdir={template},upperdir={upper},workdir={work} "
        f"{shlex.quote(str(merged))}",
        "exec " + shlex.join(bwrap_argv),
    ])
    launcher = ["unshare", "--user", "--map-root-user", "--mount", "--propagation", "private", "/bin/sh", "-c", script]
    if os.geteuid() == 0:
        uid = str(SANDBOX_HOST_UID)
        return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *launcher]
    return launcher


def _session_cgroup(session_id: str, config: SandboxConfig) -> SessionCgroup | None:
    """The session's cgroup v2 limits, where the machine allows them; rlimits alone elsewhere."""
    if cgroup_problem() is not None:
        return None
    try:
        return SessionCgroup(session_id, config.limits.memory_mb, config.limits.max_processes)
    except OSError as exc:
        log.warning("cgroup v2 limits unavailable (%s); the sandbox relies on rlimits", exc)
        return None


def _check_reachable(root: Path) -> None:
    """As root, the sandbox runs as an unprivileged user, which must be able to walk to its home."""
    if os.geteuid() != 0:
        return
    for directory in [root.resolve(), *root.resolve().parents]:
        if directory.exists() and not directory.stat().st_mode & 0o001:
            raise SandboxUnavailable(
                f"the sandbox user (uid {SANDBOX_HOST_UID}) cannot reach the sandbox home {root}: {directory} is "
                f"not searchable by others (mode {directory.stat().st_mode & 0o777:o}). Set sandbox.home to a "
                "directory under a world-searchable path, e.g. /var/lib/isetrace (the default as root)."
            )


_PREFLIGHT = Preflight("bwrap", bwrap_problems)


async def open_bwrap(config: SandboxConfig, home: SandboxHome) -> SupervisedSandbox:
    """Open a bubblewrap session from the configured template.

    Raises :class:`SandboxUnavailable` naming what is missing or refused when the sandbox cannot start.
    """
    _PREFLIGHT.require()
    _check_reachable(home.root)
    template = home.template(config.template)
    if "," in str(template) or ":" in str(template):
        raise SandboxUnavailable(f"template path {template} contains ',' or ':', which overlayfs cannot take")
    session_id, scratch = home.new_session()
    settings = supervisor_config_arg(supervisor_settings(config, WORKSPACE, HOME))
    layer = scratch / "layer"
    layer.mkdir()
    cgroup = _session_cgroup(session_id, config)
    supervisor = home.supervisor_script(supervisor_path())
    argv = _launcher(config, template, layer, _bwrap_argv(config, scratch, layer / "merged", supervisor, settings),
                     cgroup is not None)
    if os.geteuid() == 0:
        os.chown(layer, SANDBOX_HOST_UID, SANDBOX_HOST_UID)

    async def join_cgroup(process: asyncio.subprocess.Process) -> None:
        assert cgroup is not None and process.stdin is not None
        cgroup.add(process.pid)
        process.stdin.write(b"go\n")
        await process.stdin.drain()

    async def cleanup() -> None:
        if cgroup is not None:
            cgroup.remove()
        remove_session_dir(scratch)

    info = SessionInfo(backend="bwrap", session_id=session_id, workspace=WORKSPACE, home=HOME, network=config.network,
                       isolated=True, details={"template": str(template), "scratch": str(scratch),
                                                      "cgroup": str(cgroup.path) if cgroup else "none"})
    try:
        return await launch_supervised(
            argv, info, config.limits.timeout_s, cleanup=cleanup, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            after_spawn=join_cgroup if cgroup is not None else None,
        )
    except SandboxUnavailable as exc:
        raise SandboxUnavailable(f"{exc}{_advice(str(exc))}") from exc


_REFUSALS = ("permission denied", "operation not permitted", "no permissions to creat", "setting up uid map")


def _advice(message: str) -> str:
    """What to do when the kernel refused a namespace or a mount (the usual reasons, in order)."""
    if not any(refusal in message.lower() for refusal in _REFUSALS):
        return ""
    return (" — the kernel refused a user namespace or a mount. Usual causes: running inside an unprivileged "
            "container (give it --security-opt seccomp=unconfined and apparmor=unconfined, or use the docker "
            "backend from the host), AppArmor restricting unprivileged user namespaces on Ubuntu 23.10+ "
            "(sysctl kernel.apparmor_restrict_unprivileged_userns=0), or a sandbox home the sandbox user cannot "
            "traverse (set sandbox.home to a directory with mode 0755). 'ise sandbox check' tells which.")
