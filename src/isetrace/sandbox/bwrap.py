"""The ``bwrap`` backend (default): one long-lived bubblewrap sandbox per session.

The chain that starts a session, each link for one reason:

1. ``nice -n 10``: every process of the session runs below the runner's priority, so a session that
   spins its CPUs never starves the orchestrator (or the other sessions' supervisors);
2. as root, ``setpriv`` drops to a host uid of the session's own (:mod:`isetrace.sandbox.uids`: one per
   open session, so process limits bind and sessions share no key quota, keyrings or inotify instances;
   nothing in the sandbox is root on the host); as anyone else, stay yourself. Dropping in a program of
   its own, not in the spawn, keeps the spawn a ``vfork``: a full fork of a large runner process stalls
   its event loop for milliseconds;
3. ``unshare --user --map-root-user --mount --ipc``: namespaces of our own, in which we mount the
   session's one writable layer — a tmpfs capped at ``disk_mb`` and ``disk_mb × 64`` inodes, holding the
   overlay's upper layer and the directories bwrap binds as ``/tmp``, ``/run``, ``/home`` and ``/dev/shm``,
   so the whole session shares one budget — and an overlay of the template under it (copy-on-write, so
   sessions store only their changes); the IPC namespace's System V limits come from the same budget;
4. ``bwrap``, its arguments read from a file (so its command line, which is the sandbox's pid 1, shows no
   host path): a second user namespace (the agent is uid 1000, unable to make more namespaces), new PID,
   UTS and (unless the run allows it) network namespaces, host system directories read-only, the
   workspace writable, private ``/proc`` and a read-only ``/dev``, no host home, a clean environment, and
   ``--die-with-parent``;
5. the supervisor, which then serves every command of the session over a pipe.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shlex
import shutil
from pathlib import Path

from isetrace.config import SandboxConfig, SandboxLimits
from isetrace.errors import SandboxUnavailable
from isetrace.sandbox.base import SessionInfo
from isetrace.sandbox.cgroups import SessionCgroup, cgroup_problem
from isetrace.sandbox.preflight import Preflight, require_mount_sources
from isetrace.sandbox.supervised import (
    SUPERVISOR_FILES,
    SupervisedSandbox,
    launch_supervised,
    supervisor_config_arg,
    supervisor_sources,
)
from isetrace.sandbox.supervisor_settings import supervisor_settings
from isetrace.sandbox.templates import SandboxHome, remove_session_dir
from isetrace.sandbox.uids import SESSION_UIDS, HostIdentity, claim_identity, shared_uid_problem

__all__ = ["WORKSPACE", "bwrap_limits", "bwrap_problems", "open_bwrap"]

log = logging.getLogger(__name__)

WORKSPACE = "/workspace"
HOME = "/home/agent"
SUPERVISOR_DIR = "/.ise"
AGENT_UID = 1000
_ETC = ("alternatives", "ssl", "ca-certificates", "pki", "resolv.conf", "hosts", "nsswitch.conf", "localtime",
        "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "mime.types", "protocols", "services", "timezone")
_TOP_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
PYTHON = "/usr/bin/python3"
_COMPILED = tuple(f"{name}c" for name in SUPERVISOR_FILES)
"""The supervisor's scripts as the sandbox's python3 compiled them: sessions start without compiling."""
NICE = 10
"""How much nicer than the runner every sandbox process is."""
INODES_PER_MB = 64
"""Inodes of the session's layer per MiB of ``disk_mb`` (one per 16 KiB): files cost kernel memory even
when they are empty."""
_LAYER_BINDS = ("tmp", "run", "home")


def bwrap_problems() -> list[str]:
    """What keeps bubblewrap from working on this machine, each with what to do; empty when nothing."""
    problems = []
    tools = [("bwrap", "bubblewrap"), ("unshare", "util-linux"), ("mount", "mount"), ("nice", "coreutils")]
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


_FIRST_ETC_FD = 8
"""fds 3–7 carry bwrap's arguments, passwd, group and the supervisor's scripts; ``sandbox.etc_files`` follow."""


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


def _etc_redirects(scratch: Path, config: SandboxConfig) -> str:
    """``sandbox.etc_files`` written to the scratch directory, and the redirections that open them for bwrap
    (fds from :data:`_FIRST_ETC_FD`, in name order, as :func:`_bwrap_options` binds them)."""
    redirects = []
    for fd, name in enumerate(sorted(config.etc_files), _FIRST_ETC_FD):
        (scratch / f"etc-{name}").write_text(config.etc_files[name], encoding="utf-8")
        (scratch / f"etc-{name}").chmod(0o644)
        redirects.append(f"{fd}<{shlex.quote(f'etc-{name}')}")
    return " ".join(redirects)


def _identity_files(scratch: Path) -> None:
    """A passwd and group naming only the agent, so tools that look up the user find one."""
    (scratch / "passwd").write_text(f"root:x:0:0:root:/root:/bin/sh\nagent:x:{AGENT_UID}:{AGENT_UID}:agent:{HOME}:"
                                    "/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    (scratch / "group").write_text(f"root:x:0:\nagent:x:{AGENT_UID}:\nnogroup:x:65534:\n")


def _bwrap_options(config: SandboxConfig, layer: Path) -> list[str]:
    """bwrap's options, read from fd 3; fds 4, 5, 6 and 7 carry passwd, group and the supervisor's two
    scripts, which bwrap copies into the sandbox, so no host path is bound (or shown in the sandbox's mount
    table)."""
    args = ["--unshare-user", "--uid", str(AGENT_UID), "--gid", str(AGENT_UID), "--disable-userns",
            "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--clearenv"]
    if not config.network:
        args.append("--unshare-net")
    args += _system_binds()
    scripts = [f"{SUPERVISOR_DIR}/{name}" for name in _COMPILED]
    for fd, target in ((4, "/etc/passwd"), (5, "/etc/group"), (6, scripts[0]), (7, scripts[1])):
        args += ["--perms", "0444", "--ro-bind-data", str(fd), target]
    for fd, name in enumerate(sorted(config.etc_files), _FIRST_ETC_FD):
        args += ["--perms", "0444", "--ro-bind-data", str(fd), f"/etc/{name}"]
    # /proc/sys read-only as a mount: the IPC namespace's limits are the agent's own files by ownership
    args += ["--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys",
             "--dev", "/dev", "--bind", str(layer / "shm"), "/dev/shm", "--remount-ro", "/dev"]
    for name in _LAYER_BINDS:
        args += ["--bind", str(layer / name), f"/{name}"]
    for mount in config.mounts:
        args += ["--ro-bind", mount.source, mount.target]
    return [*args, "--bind", str(layer / "merged"), WORKSPACE, "--remount-ro", "/", "--chdir", WORKSPACE]


def _ipc_limits(limits: SandboxLimits) -> list[str]:
    """Sysctls of the session's own IPC namespace: System V shared memory, message queues and semaphores
    hold memory outside every mount and rlimit, so shared memory gets the layer's budget and the rest a
    small fixed one. Linux lets a namespace's root set them since 5.19; an older kernel keeps its
    defaults (``ise sandbox check`` says so) rather than refusing to start."""
    page = os.sysconf("SC_PAGE_SIZE")
    values = {"shmall": limits.disk_mb * (1 << 20) // page, "shmmax": limits.disk_mb << 20, "shmmni": 64,
              "msgmni": 16, "msgmnb": 65536, "sem": "250 8192 100 128"}
    return [f"{{ echo {value} > /proc/sys/kernel/{name}; }} 2>/dev/null || :" for name, value in values.items()]


def _launcher(config: SandboxConfig, scratch: Path, lowerdir: str, host_uid: int | None, settings_arg: str,
              supervisor: Path, wait_for_go: bool) -> list[str]:
    """``nice`` + (as root) ``setpriv`` + ``unshare`` + a few mounts, then exec bwrap: the overlay must exist
    before bwrap binds it. Mounts name their directories relative to ``scratch`` (``lowerdir`` too), and
    bwrap gets its arguments from a file, so the sandbox sees no host path in its mount table or in
    bwrap's command line (its pid 1); ``PWD`` and ``OLDPWD`` go for the same reason.

    With ``wait_for_go`` the launcher first reads one line from its stdin, so the host can put it into
    the session's cgroup before it starts anything.
    """
    limits = config.limits
    _identity_files(scratch)
    etc_redirects = _etc_redirects(scratch, config)
    options = _bwrap_options(config, scratch / "layer")
    (scratch / "bwrap.args").write_bytes(b"".join(arg.encode() + b"\0" for arg in options))
    for name in ("passwd", "group", "bwrap.args"):
        (scratch / name).chmod(0o644)  # whatever the umask: the session's own uid reads them
    script = "; ".join([
        *(["read -r go"] if wait_for_go else []),
        "set -e",
        f"cd {shlex.quote(str(scratch))}",
        f"mount -t tmpfs -o size={limits.disk_mb}m,nr_inodes={limits.disk_mb * INODES_PER_MB},mode=0755 "
        "ise-layer layer",
        "mkdir " + " ".join(f"layer/{name}" for name in ("upper", "work", "merged", "shm", *_LAYER_BINDS, HOME[1:])),
        "mount -t overlay ise-workspace -o " + shlex.quote(f"lowerdir={lowerdir},upperdir=layer/upper,"
                                                           "workdir=layer/work") + " layer/merged",
        *_ipc_limits(limits),
        "unset PWD OLDPWD",
        f"exec bwrap --args 3 -- {PYTHON} -I -S {SUPERVISOR_DIR}/{_COMPILED[0]} {shlex.quote(settings_arg)} "
        f"3<bwrap.args 4<passwd 5<group {etc_redirects} "
        + " ".join(f"{fd}<{shlex.quote(str(supervisor / name))}" for fd, name in zip((6, 7), _COMPILED, strict=True)),
    ])
    launcher = ["unshare", "--user", "--map-root-user", "--mount", "--ipc", "--propagation", "private",
                "/bin/sh", "-c", script]
    if host_uid is not None:
        uid = str(host_uid)
        launcher = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", *launcher]
    return ["nice", "-n", str(NICE), *launcher]


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
    """As root, the sandbox runs as unprivileged users, which must be able to walk to its home."""
    if os.geteuid() != 0:
        return
    for directory in [root.resolve(), *root.resolve().parents]:
        if directory.exists() and not directory.stat().st_mode & 0o001:
            raise SandboxUnavailable(
                f"the sandbox users (uids {SESSION_UIDS.start}–{SESSION_UIDS.stop - 1}) cannot reach the sandbox "
                f"home {root}: {directory} is not searchable by others (mode {directory.stat().st_mode & 0o777:o}). "
                "Set sandbox.home to a directory under a world-searchable path, e.g. /var/lib/isetrace (the "
                "default as root)."
            )


_PREFLIGHT = Preflight("bwrap", bwrap_problems)


async def open_bwrap(config: SandboxConfig, home: SandboxHome) -> SupervisedSandbox:
    """Open a bubblewrap session from the configured template.

    Raises :class:`SandboxUnavailable` naming what is missing or refused when the sandbox cannot start.
    """
    _PREFLIGHT.require()
    _check_reachable(home.root)
    require_mount_sources(config)
    template = home.template(config.template)
    if "," in str(template) or ":" in str(template):
        raise SandboxUnavailable(f"template path {template} contains ',' or ':', which overlayfs cannot take")
    session_id, scratch = home.new_session()
    identity: HostIdentity | None = None
    cgroup: SessionCgroup | None = None

    def remove() -> None:
        if cgroup is not None:
            cgroup.remove()
        remove_session_dir(scratch)

    async def cleanup() -> None:
        try:
            # in a thread: a workspace's files (and a cgroup that takes a moment to empty) would otherwise
            # hold up every other session's event loop work at the end of each episode
            await asyncio.to_thread(remove)
        finally:
            if identity is not None:
                identity.release()  # last: the uid is free once nothing of the session is left

    try:
        identity = await claim_identity(template, scratch)
        layer = scratch / "layer"
        layer.mkdir()
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(layer, identity.uid, identity.uid)
        cgroup = _session_cgroup(session_id, config)
        settings = supervisor_config_arg(supervisor_settings(config, WORKSPACE, HOME))
        argv = _launcher(config, scratch, identity.lowerdir, identity.uid if as_root else None, settings,
                         home.supervisor_scripts(supervisor_sources(), compiled_for=PYTHON), cgroup is not None)
    except BaseException:
        await cleanup()
        raise

    async def join_cgroup(process: asyncio.subprocess.Process) -> None:
        assert cgroup is not None and process.stdin is not None
        cgroup.add(process.pid)
        process.stdin.write(b"go\n")
        await process.stdin.drain()

    info = SessionInfo(backend="bwrap", session_id=session_id, workspace=WORKSPACE, home=HOME, network=config.network,
                       isolated=True, details={"template": str(template), "scratch": str(scratch),
                                               "host_uid": str(identity.uid),
                                               "cgroup": str(cgroup.path) if cgroup else "none"})
    try:
        sandbox = await launch_supervised(
            argv, info, config.limits.timeout_s, cleanup=cleanup, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            after_spawn=join_cgroup if cgroup is not None else None,
        )
    except SandboxUnavailable as exc:
        raise SandboxUnavailable(f"{exc}{_advice(str(exc))}") from exc
    identity.drop_view()  # the session's mount namespace has its own copy now
    return sandbox


def _kernel_at_least(major: int, minor: int) -> bool:
    found = [int(part) for part in re.findall(r"\d+", os.uname().release)[:2]]
    return found >= [major, minor]


def bwrap_limits(config: SandboxConfig) -> tuple[list[str], list[str]]:
    """What bounds a session on this machine, and one warning for each limit that is not enforced here.

    Run it after sessions were opened in this process (``ise sandbox check`` does): whether each session
    got a host uid of its own is known once one has tried.
    """
    limits = config.limits
    enforced = [
        f"disk: the workspace, /tmp, /run, /home and /dev/shm share one tmpfs of {limits.disk_mb} MiB and "
        f"{limits.disk_mb * INODES_PER_MB} inodes (disk_mb)",
        "per command: timeout_s (the whole process group), output_bytes per stream",
        "per process (rlimits): cpu_s, memory_mb (address space), file_size_mb, open_files; max_processes "
        "counts the session's processes (its own user namespace)",
        f"priority: sandbox processes run at nice +{NICE} from the runner",
    ]
    warnings = []
    if _kernel_at_least(5, 19):
        enforced.append("System V IPC: shared memory within disk_mb, 16 message queues, 128 semaphore sets "
                        "(the session's own IPC namespace)")
    else:
        warnings.append(f"System V IPC limits not enforced: Linux {os.uname().release} does not let a namespace "
                        "set them (5.19+ does); a session's shared memory segments are bounded by the host's "
                        "defaults only")
    problem = cgroup_problem()
    if problem is None:
        enforced.append("session cgroup (v2): memory.max = memory_mb and pids.max = max_processes for the "
                        "session as a whole")
    else:
        warnings.append(f"session memory limit not enforced: {problem}; each process is limited to memory_mb by "
                        "RLIMIT_AS, but the session as a whole is not")
    warnings.append(f"session CPU time not bounded as a whole: each process stops at cpu_s ({limits.cpu_s}) of CPU "
                    f"and runs at nice +{NICE}, and all die with the session, but a session that keeps starting "
                    "processes can use up to max_processes × cpu_s until it closes")
    shared = shared_uid_problem()
    if shared is None:
        enforced.append(f"host uid: one of {SESSION_UIDS.start}–{SESSION_UIDS.stop - 1} per open session "
                        "(its own key quota, keyrings and inotify instances)")
    else:
        warnings.append(f"sessions share a host uid: {shared}")
    return enforced, warnings


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
