"""What one bubblewrap session may cost the host and the sessions beside it, and what it may learn.

Each probe runs an attack from inside a session and looks at the outcome from the host: writable
mounts bounded in bytes and inodes, one host uid per open session (keyrings, key quota and inotify
instances are per host uid), CPU below the runner's priority, no host path readable in ``/proc``, and
the privileges a session must never get. Every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.sandbox.backends import needs_bwrap

from isetrace.errors import SandboxUnavailable
from isetrace.sandbox import Sandbox

pytestmark = needs_bwrap

PROJECT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="as another user, sessions run as that user (no uid pool)")


@pytest.fixture
def bwrap(open_session: Callable[[str], Any]) -> Any:
    return open_session("bwrap")


def unique_marker() -> str:
    """A number ``sleep`` accepts and no other process on the host has in its command line."""
    return f"{os.getpid() % 1000 + 1000}.{time.time_ns() % 10**7:07d}"


def host_pids_with(needle: bytes) -> list[int]:
    """Host processes whose command line starts with ``needle`` (so not the runner that passed it on)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "cmdline").read_bytes().startswith(needle):
                    found.append(int(entry.name))
    return found


async def host_pid_of(needle: bytes, wait_s: float = 5.0) -> int:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if pids := host_pids_with(needle):
            return pids[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no host process runs {needle!r}")


def host_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


async def python(box: Sandbox, code: str, *args: str, timeout_s: float = 60) -> list[str]:
    result = await box.run(["python3", "-c", code, *args], timeout_s=timeout_s)
    assert result.exit_code == 0, result.stderr.decode()
    return result.stdout.decode().split()


# ---------------------------------------------------------------------------------- 1. capped mounts

WRITABLE = ["/tmp", "/run", "/home/agent", "/dev/shm", "/workspace"]


@pytest.mark.parametrize("directory", WRITABLE)
async def test_writing_past_disk_mb_fails_with_enospc_in_every_writable_mount(bwrap: Any, directory: str) -> None:
    disk_mb = 32
    box: Sandbox = await bwrap(limits={"disk_mb": disk_mb, "file_size_mb": None, "timeout_s": 30})
    try:
        fill = await box.run(f"head -c {2 * disk_mb}M /dev/zero > {directory}/fill")
        size = int((await box.run(f"stat -c %s {directory}/fill")).stdout)
        assert fill.exit_code != 0 and b"No space left" in fill.stderr, (directory, size, fill.stderr)
        assert disk_mb // 2 * MIB <= size <= disk_mb * MIB  # it stopped at the cap, near it
        freed = await box.run(f"rm {directory}/fill && echo ok > {directory}/small && cat {directory}/small")
        assert freed.stdout == b"ok\n"
    finally:
        await box.close()


async def test_the_whole_session_shares_one_disk_budget(bwrap: Any) -> None:
    box: Sandbox = await bwrap(limits={"disk_mb": 32, "file_size_mb": None, "timeout_s": 30})
    try:
        assert (await box.run("head -c 20M /dev/zero > /tmp/a")).exit_code == 0
        second = await box.run("head -c 20M /dev/zero > /workspace/b")
        assert second.exit_code != 0 and b"No space left" in second.stderr
    finally:
        await box.close()


async def test_dev_itself_is_not_writable(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    try:
        result = await box.run("echo x > /dev/ise-probe")
        assert result.exit_code != 0
        assert (await box.run("echo fine > /dev/null && head -c 3 /dev/zero | wc -c")).stdout == b"3\n"
    finally:
        await box.close()


FILES_UNTIL_FULL = """
import errno, os, sys, time
folder, most, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
os.makedirs(folder, exist_ok=True)
made, error, end = 0, 0, time.monotonic() + seconds
while made < most and time.monotonic() < end:
    try:
        os.close(os.open(f"{folder}/{made}", os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as exc:
        error = exc.errno
        break
    made += 1
print(made, error)
"""


@pytest.mark.parametrize("directory", WRITABLE)
async def test_creating_files_in_a_loop_hits_an_inode_cap(bwrap: Any, directory: str) -> None:
    most = 200_000
    box: Sandbox = await bwrap(limits={"disk_mb": 16, "timeout_s": 60})
    try:
        made, error = map(int, await python(box, FILES_UNTIL_FULL, f"{directory}/many", str(most), "20"))
    finally:
        await box.close()
    assert error == errno.ENOSPC, f"{made} files in {directory} and no cap"
    assert made < most // 10  # the cap is hit well before the loop's own bound


SYSTEM_V = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
IPC_PRIVATE, IPC_CREAT, SEGMENT = 0, 0o1000, 4 << 20
segments = 0
while segments < int(sys.argv[1]):
    shmid = libc.shmget(IPC_PRIVATE, SEGMENT, IPC_CREAT | 0o600)
    if shmid < 0:
        break
    address = libc.shmat(shmid, None, 0)
    ctypes.memset(address, 1, SEGMENT)  # really held: the pages stay when the segment is detached
    libc.shmdt(ctypes.c_void_p(address))
    segments += 1
shm_error = ctypes.get_errno()
queues = 0
while queues < 1000 and libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600) >= 0:
    queues += 1
print(segments, shm_error, queues, ctypes.get_errno())
"""


async def test_system_v_shared_memory_and_queues_are_capped(bwrap: Any) -> None:
    disk_mb = 32
    box: Sandbox = await bwrap(limits={"disk_mb": disk_mb})
    try:
        segments, shm_error, queues, queue_error = map(int, await python(box, SYSTEM_V, "40"))
    finally:
        await box.close()
    assert shm_error == errno.ENOSPC and segments * 4 <= disk_mb, f"{segments * 4} MiB of System V shared memory"
    assert queue_error == errno.ENOSPC and queues < 1000


# ---------------------------------------------------------------------------------- 2. one uid per session


@as_root
async def test_concurrent_sessions_run_as_different_host_uids(bwrap: Any) -> None:
    first: Sandbox = await bwrap()
    second: Sandbox = await bwrap()
    try:
        uids = []
        for box in (first, second):
            marker = unique_marker()
            await box.run(f"sleep {marker} > /dev/null 2>&1 &")
            uids.append(host_uid(await host_pid_of(f"sleep\x00{marker}".encode())))
            layer = Path(box.info.details["scratch"]) / "layer"
            assert layer.stat().st_uid == uids[-1]  # the session's writable layer is its own
    finally:
        await first.close()
        await second.close()
    assert uids[0] != uids[1] and 0 not in uids


@as_root
async def test_a_uid_held_by_another_process_is_never_shared_and_is_freed_when_it_dies(bwrap: Any,
                                                                                     sandbox_home: Path) -> None:
    import fcntl
    import sys

    marker = unique_marker()
    other = subprocess.Popen([sys.executable, "-m", "isetrace", "sandbox", "run", "--", "sleep", marker],
                             env={**os.environ, "ISE_SANDBOX__HOME": str(sandbox_home)}, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # another `ise`, as a Ray worker is
    try:
        theirs = host_uid(await host_pid_of(f"sleep\x00{marker}".encode(), wait_s=30))
        box: Sandbox = await bwrap()
        try:
            ours = unique_marker()
            await box.run(f"sleep {ours} > /dev/null 2>&1 &")
            assert host_uid(await host_pid_of(f"sleep\x00{ours}".encode())) != theirs
        finally:
            await box.close()
    finally:
        os.killpg(other.pid, 9)  # a crash: no clean-up of its own
        other.wait()
    from isetrace.sandbox.uids import LOCK_DIR

    lock = os.open(LOCK_DIR / f"{theirs}.lock", os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the dead process's uid is free again
    finally:
        os.close(lock)


@as_root
async def test_without_idmapped_mounts_sessions_share_the_template_uid_and_check_says_so(
        bwrap: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from isetrace.config import SandboxConfig
    from isetrace.sandbox import uids
    from isetrace.sandbox.bwrap import bwrap_limits

    def refused(*args: Any) -> None:
        raise OSError(errno.EINVAL, "mount_setattr: Invalid argument")

    monkeypatch.setattr(uids, "_mount_view", refused)  # as an old kernel or a filesystem without idmaps
    monkeypatch.setattr(uids, "_shared", None)
    box: Sandbox = await bwrap()
    try:
        edit = await box.run("echo ok > notes.txt && cat notes.txt")
        assert edit.stdout == b"ok\n"  # it still works…
        assert box.info.details["host_uid"] == str(uids.TEMPLATE_UID)
    finally:
        await box.close()
    _, warnings = bwrap_limits(SandboxConfig())
    assert any(line.startswith("sessions share a host uid: the template's idmapped mount failed") for line in warnings)


KEY_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}  # add_key, keyctl
KEYS = """
import ctypes, os, platform, sys
ADD_KEY, KEYCTL = {syscalls}[platform.machine()]
USER_KEYRING, KEYCTL_SETPERM, KEYCTL_READ, ALL_TO_POSSESSOR_AND_USER = -4, 5, 11, 0x3F3F0000
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def add(description):
    payload = b"secret-" + description
    serial = libc.syscall(ADD_KEY, b"user", description, payload, len(payload), USER_KEYRING)
    return serial, ctypes.get_errno()
action = sys.argv[1]
if action == "add":  # readable by every process of the key's owner uid, as far as the key goes
    serial, error = add(sys.argv[2].encode())
    if serial > 0 and libc.syscall(KEYCTL, KEYCTL_SETPERM, serial, ALL_TO_POSSESSOR_AND_USER) != 0:
        serial, error = -1, ctypes.get_errno()
    print(serial, error)
elif action == "read":
    buffer = ctypes.create_string_buffer(256)
    size = libc.syscall(KEYCTL, KEYCTL_READ, int(sys.argv[2]), buffer, 256)
    print(buffer.raw[:size].decode() if size > 0 else "denied", ctypes.get_errno())
elif action == "fill":
    for count in range(int(sys.argv[2])):
        serial, error = add(b"ise-fill-%d" % count)
        if serial < 0:
            break
    print(count, error)
""".replace("{syscalls}", repr(KEY_SYSCALLS))
needs_key_syscalls = pytest.mark.skipif(platform.machine() not in KEY_SYSCALLS,
                                        reason=f"key syscall numbers known for {', '.join(KEY_SYSCALLS)} only")


@as_root
@needs_key_syscalls
async def test_a_key_one_session_adds_is_out_of_another_sessions_reach(bwrap: Any) -> None:
    description = f"ise-probe-{unique_marker()}"
    first: Sandbox = await bwrap()
    second: Sandbox = await bwrap()
    try:
        serial, error = await python(first, KEYS, "add", description)
        assert int(serial) > 0, os.strerror(int(error))
        assert (await python(first, KEYS, "read", serial))[0] == f"secret-{description}"  # the probe is sound
        assert (await python(second, KEYS, "read", serial))[0] == "denied"
        listing = await second.run(["cat", "/proc/keys"])
        assert description.encode() not in listing.stdout
    finally:
        await first.close()
        await second.close()


@as_root
@needs_key_syscalls
async def test_one_session_using_up_its_key_quota_leaves_another_its_own(bwrap: Any) -> None:
    first: Sandbox = await bwrap()
    second: Sandbox = await bwrap()
    try:
        _, error = map(int, await python(first, KEYS, "fill", "2000"))
        assert error == errno.EDQUOT  # the first session's quota is spent…
        serial, error = await python(second, KEYS, "add", f"ise-probe-{unique_marker()}")
        assert int(serial) > 0, f"the second session cannot add a key: {os.strerror(int(error))}"  # its own quota
    finally:
        await first.close()
        await second.close()


INOTIFY_HOG = """
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
made = 0
while made < 2000 and libc.inotify_init1(0) >= 0:
    made += 1
print(made, ctypes.get_errno(), flush=True)
time.sleep(60)
"""
ONE_INOTIFY = ("import ctypes; libc = ctypes.CDLL(None, use_errno=True); "
               "print(libc.inotify_init1(0), ctypes.get_errno())")


@as_root
async def test_inotify_instances_used_up_in_one_session_leave_another_its_own(bwrap: Any) -> None:
    first: Sandbox = await bwrap()
    second: Sandbox = await bwrap()
    try:
        hog = await first.start(["python3", "-c", INOTIFY_HOG])
        output = b""
        deadline = time.monotonic() + 20
        while not output.strip() and time.monotonic() < deadline:
            output += (await first.poll(hog)).stdout
            await asyncio.sleep(0.05)
        made, error = map(int, output.split())
        assert error == errno.EMFILE and made < 2000  # the first session holds all it may
        fd, error = map(int, await python(second, ONE_INOTIFY))
        assert fd >= 0, f"the second session cannot make one inotify instance: {os.strerror(error)}"
    finally:
        await first.close()
        await second.close()


async def test_templates_stay_usable_by_every_session_uid(bwrap: Any, sandbox_home: Path, tmp_path: Path) -> None:
    from isetrace.sandbox import SandboxHome

    source = tmp_path / "src"
    (source / "sub").mkdir(parents=True)
    (source / "notes.txt").write_text("original\n")
    SandboxHome(sandbox_home).create_template("uid-test", source, replace=True)
    boxes: list[Sandbox] = []
    try:
        for _ in range(3):  # concurrent, so (as root) each runs as a uid of its own
            boxes.append(await bwrap(template="uid-test"))
        for number, box in enumerate(boxes):
            listing = await box.run("ls -ln notes.txt sub | head -1")
            assert b" 1000 1000 " in listing.stdout  # the agent owns the template's files
            edit = await box.run(f"echo {number} >> notes.txt && touch sub/new && chmod 600 notes.txt && "
                                 "cat notes.txt")
            assert edit.exit_code == 0 and edit.stdout == f"original\n{number}\n".encode(), edit.stderr
    finally:
        for box in boxes:
            await box.close()
    assert (sandbox_home / "templates" / "uid-test" / "notes.txt").read_text() == "original\n"
    assert not (sandbox_home / "templates" / "uid-test" / "sub" / "new").exists()


# ---------------------------------------------------------------------------------- 3. CPU


def host_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def host_nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


SPIN = "while :; do :; done"


def spinner(marker: str) -> bytes:
    """How a spinner started with ``spin_command(marker)`` shows in the host's /proc/<pid>/cmdline."""
    return f"sh\x00-c\x00{SPIN}\x00spin-{marker}".encode()


def spin_command(marker: str) -> str:
    return f"sh -c '{SPIN}' spin-{marker} > /dev/null 2>&1 &"


async def test_a_spinning_background_process_is_niced_bounded_by_cpu_s_and_dies_at_close(bwrap: Any) -> None:
    cpu_s = 2
    box: Sandbox = await bwrap(limits={"cpu_s": cpu_s})
    closed = False
    try:
        first, second = unique_marker(), unique_marker() + "1"
        assert (await box.run(spin_command(first))).exit_code == 0
        pid = await host_pid_of(spinner(first))
        assert host_nice(pid) > os.getpriority(os.PRIO_PROCESS, 0)
        most = 0.0
        deadline = time.monotonic() + 4 * cpu_s + 5  # slack for a busy machine
        while time.monotonic() < deadline:
            try:
                most = max(most, host_cpu_s(pid))
            except OSError:
                break  # it is gone: RLIMIT_CPU killed it
            await asyncio.sleep(0.1)
        assert most <= cpu_s + 0.5
        assert host_pids_with(spinner(first)) == [], "the spinner outlived its CPU limit"
        await box.run(spin_command(second))
        await host_pid_of(spinner(second))
        await box.close()
        closed = True
        deadline = time.monotonic() + 5
        while host_pids_with(spinner(second)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert host_pids_with(spinner(second)) == [], "a spinner outlived its session"
    finally:
        if not closed:
            await box.close()


# ---------------------------------------------------------------------------------- 5. no host paths

EVERY_PROC_TEXT = """
import os
for pid in filter(str.isdigit, os.listdir("/proc")):
    for name in ("cmdline", "environ"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as handle:
                print(pid, name, handle.read().replace(b"\\0", b" ").decode(errors="replace"))
        except OSError as exc:
            print(pid, name, "unreadable", exc.errno)
"""


async def test_no_host_path_shows_in_any_command_line_or_environment(bwrap: Any, sandbox_home: Path) -> None:
    secrets = {str(sandbox_home), str(PROJECT), os.getcwd()} - {"/"}
    box: Sandbox = await bwrap()
    try:
        seen = await box.run(["python3", "-c", EVERY_PROC_TEXT])
    finally:
        await box.close()
    assert seen.exit_code == 0 and b"1 cmdline" in seen.stdout and b"1 environ" in seen.stdout
    readable = [line for line in seen.stdout.decode().splitlines() if " unreadable " not in line]
    assert any(line.startswith("1 environ") for line in readable)  # bwrap's own is readable: a real probe
    for secret in secrets:
        leaks = [line[:200] for line in readable if secret in line]
        assert not leaks, f"{secret} shows inside the sandbox: {leaks}"


async def test_no_host_path_shows_in_the_mount_table(bwrap: Any, sandbox_home: Path) -> None:
    secrets = {str(sandbox_home), str(PROJECT), os.getcwd()} - {"/"}
    box: Sandbox = await bwrap()
    try:
        table = await box.run("cat /proc/self/mountinfo /proc/self/mounts")
    finally:
        await box.close()
    assert b"/workspace" in table.stdout
    for secret in secrets:
        assert secret.encode() not in table.stdout, table.stdout.decode()


# ---------------------------------------------------------------------------------- 6. privileges

SETUID_PROBE = """
import subprocess, time
su = subprocess.Popen(["/usr/bin/su", "root", "-c", "id -u"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                      stderr=subprocess.STDOUT)
time.sleep(0.3)
try:
    with open(f"/proc/{su.pid}/status") as status:
        print(next(line for line in status if line.startswith("Uid:")).split()[1:])
except OSError:
    print("exited")
su.kill()
print(su.communicate()[0].decode().strip().splitlines()[-1:])
"""


async def test_setuid_binaries_give_no_privilege(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    try:
        status = await box.run("grep -E '^(NoNewPrivs|Cap(Inh|Prm|Eff|Amb)):' /proc/self/status")
        assert status.stdout.split() == [b"CapInh:", b"0" * 16, b"CapPrm:", b"0" * 16, b"CapEff:", b"0" * 16,
                                         b"CapAmb:", b"0" * 16, b"NoNewPrivs:", b"1"]
        if (await box.run("test -u /usr/bin/su")).exit_code != 0:
            pytest.skip("no setuid /usr/bin/su on this machine to try")
        probe = await box.run(["python3", "-c", SETUID_PROBE])
        assert probe.exit_code == 0, probe.stderr
        uids, last_words = probe.stdout.decode().splitlines()
        assert uids in ("['1000', '1000', '1000', '1000']", "exited"), uids
        assert "'0'" not in last_words  # su never ran `id -u` as root
    finally:
        await box.close()


async def test_no_namespaces_mounts_or_sysctls_from_inside(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    try:
        for command in ("unshare -U true", "unshare -r true", "unshare -m true", "mount -t tmpfs none /tmp",
                        "mount --bind /workspace /tmp", "python3 -c 'import os; os.unshare(os.CLONE_NEWUSER)'",
                        "echo evil > /proc/sys/kernel/hostname", "echo 3 > /proc/sys/vm/drop_caches",
                        "echo 100 > /proc/sys/user/max_user_namespaces", "echo 1 > /proc/sys/net/ipv4/ip_forward",
                        "echo 999999999 > /proc/sys/kernel/shmall", "echo 32000 > /proc/sys/kernel/msgmni",
                        "echo b > /proc/sysrq-trigger"):
            result = await box.run(command)
            assert result.exit_code != 0, f"{command!r} worked inside the sandbox"
        table = (await box.run("cat /proc/self/mountinfo")).stdout.decode().splitlines()
        [proc_sys] = [line for line in table if line.split()[4] == "/proc/sys"]
        assert proc_sys.split()[5].split(",")[0] == "ro"  # read-only as a mount, whoever owns the files
    finally:
        await box.close()
    assert Path("/proc/sys/kernel/hostname").read_text().strip() != "evil"


async def test_another_sessions_processes_are_out_of_sight_and_reach(bwrap: Any) -> None:
    marker = unique_marker()
    first: Sandbox = await bwrap()
    second: Sandbox = await bwrap()
    try:
        await first.run(f"sleep {marker} > /dev/null 2>&1 &")
        target = await host_pid_of(f"sleep\x00{marker}".encode())
        seen = await second.run(["python3", "-c", EVERY_PROC_TEXT])
        assert marker.encode() not in seen.stdout  # not even visible
        for command in (f"cat /proc/{target}/mem", f"cat /proc/{target}/environ", f"kill -9 {target}",
                        f"python3 -c 'import os; os.kill({target}, 9)'"):
            assert (await second.run(command)).exit_code != 0, command
        assert host_pids_with(f"sleep\x00{marker}".encode()) == [target]  # it still runs
    finally:
        await first.close()
        await second.close()


async def test_host_processes_cannot_be_signalled(bwrap: Any) -> None:
    box: Sandbox = await bwrap()
    victim: subprocess.Popen[bytes] | None = None
    try:
        marker = unique_marker()
        await box.run(f"sleep {marker} > /dev/null 2>&1 &")
        uid = host_uid(await host_pid_of(f"sleep\x00{marker}".encode()))
        prefix = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if os.geteuid() == 0 else []
        victim = subprocess.Popen([*prefix, "sleep", "60"])  # the session's own host uid: only namespaces guard it
        for command in (f"kill -9 {victim.pid}", f"kill -9 {os.getpid()}", "kill -9 1"):
            await box.run(command)
        with contextlib.suppress(SandboxUnavailable):  # this kills the session's own supervisor, nothing else
            await box.run("kill -9 -1")
        await asyncio.sleep(0.2)
        assert victim.poll() is None
    finally:
        await box.close()
        if victim is not None:
            victim.kill()
            victim.wait()
