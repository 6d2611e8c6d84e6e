"""The processes of Lambda execution environments (used by awslambda.runtime).

The code: the stored zip unpacked, unix modes (and symlinks) kept, into a
cache keyed by its SHA-256, ``<tmp>/backend-ctl-lambda/<hex>/``: the task root.

The command: OS-only runtimes (provided.al2023, provided.al2, provided) run
``<task root>/bootstrap``. A function whose architecture is not the host's
runs under qemu user mode, ``qemu-aarch64 -L <sysroot> bootstrap`` (sysroot
QEMU_LD_PREFIX, else /usr/aarch64-linux-gnu; the x86_64 mirror on an aarch64
host); without qemu or the sysroot, ``SpawnError`` names the Debian packages.

The process: started from one long-lived thread with PR_SET_PDEATHSIG, so it
dies with the server, in its own session (killed as a group). ``Output``
turns its output (stdout and stderr, one pipe) into lines as they are read.
"""

import ctypes
import hashlib
import io
import os
import platform
import queue
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any, Callable

CACHE = Path(tempfile.gettempdir()) / "backend-ctl-lambda"
OS_ONLY_RUNTIMES = ("provided.al2023", "provided.al2", "provided")
HOST_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64",
             "arm64": "arm64"}.get(platform.machine().lower(), platform.machine())
QEMU = {  # architecture -> (qemu binary, default sysroot, Debian sysroot package)
    "arm64": ("qemu-aarch64", "/usr/aarch64-linux-gnu", "libc6-arm64-cross"),
    "x86_64": ("qemu-x86_64", "/usr/x86_64-linux-gnu", "libc6-amd64-cross"),
}


class SpawnError(Exception):
    """The process cannot start; the message is Lambda's (after "Error: ")."""


# --- the code -------------------------------------------------------------------


def code_dir(code: bytes) -> Path:
    """The task root: ``code`` unpacked once into the cache, unix modes kept."""
    target = CACHE / hashlib.sha256(code).hexdigest()
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpack-", dir=CACHE))
    try:
        _unzip(code, scratch)
        os.chmod(scratch, 0o755)
        os.rename(scratch, target)
    except (OSError, zipfile.BadZipFile, ValueError) as err:
        shutil.rmtree(scratch, ignore_errors=True)
        if not target.is_dir():  # another environment may have won the race
            raise SpawnError(f"could not unpack the function's code: {err}") from None
    return target


def _unzip(code: bytes, root: Path) -> None:
    directories = []
    with zipfile.ZipFile(io.BytesIO(code)) as archive:
        for info in archive.infolist():
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            path = archive.extract(info, root)  # names are sanitized
            if stat.S_ISLNK(mode):
                os.remove(path)
                os.symlink(archive.read(info).decode(), path)
            elif info.is_dir():
                directories.append((path, stat.S_IMODE(mode) or 0o755))
            else:
                os.chmod(path, stat.S_IMODE(mode) or 0o644)
    for path, mode in reversed(directories):
        os.chmod(path, mode)


def command(fn: Any, task_root: str) -> list[str]:
    if fn.package_type != "Zip" or fn.run_time not in OS_ONLY_RUNTIMES:
        raise SpawnError(
            f"the emulator runs OS-only runtimes ({', '.join(OS_ONLY_RUNTIMES)}) from a .zip "
            f"package, not {fn.run_time or fn.package_type}")
    bootstrap = os.path.join(task_root, "bootstrap")
    arch = (fn.architectures or ["x86_64"])[0]
    if arch == HOST_ARCH:
        return [bootstrap]
    name, default_sysroot, package = QEMU[arch]
    qemu = shutil.which(name) or shutil.which(f"{name}-static")
    sysroot = os.environ.get("QEMU_LD_PREFIX") or default_sysroot
    if qemu is None or not os.path.isdir(sysroot):
        missing = f"{name} is not on PATH" if qemu is None else f"no {arch} sysroot at {sysroot}"
        raise SpawnError(f"cannot run an {arch} function on this {platform.machine()} host: "
                         f"{missing} (Debian packages: qemu-user, {package})")
    return [qemu, "-L", sysroot, bootstrap]


# --- processes --------------------------------------------------------------------

_spawns: "queue.Queue[tuple]" = queue.Queue()
_spawner_lock = threading.Lock()
_spawner: threading.Thread | None = None
_libc = ctypes.CDLL(None) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child, between fork and exec
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _spawn_loop() -> None:
    while True:
        args, kwargs, box, done = _spawns.get()
        try:
            box.append(subprocess.Popen(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box.append(err)
        done.set()


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen:
    """Popen in a new session, dying with the server (PR_SET_PDEATHSIG).

    The fork happens on one long-lived thread: PDEATHSIG fires when the thread
    that forked ends, and a request thread ends with its request.
    """
    global _spawner
    with _spawner_lock:
        if _spawner is None:
            _spawner = threading.Thread(target=_spawn_loop, name="lambda-spawner", daemon=True)
            _spawner.start()
    box: list = []
    done = threading.Event()
    kwargs.update(start_new_session=True, preexec_fn=_die_with_parent)
    _spawns.put(((args,), kwargs, box, done))
    done.wait()
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def describe_exit(code: int) -> str:
    if code == 0:
        return "Runtime exited without providing a reason"
    if code < 0:  # Go's ProcessState wording, as Lambda reports it
        name = signal.strsignal(-code) or f"signal {-code}"
        return f"Runtime exited with error: signal: {name[0].lower()}{name[1:]}"
    return f"Runtime exited with error: exit status {code}"


class Output:
    """Reads the process's output; each line is one ``emit`` call.

    stdout and stderr share one pipe, as in Lambda, so lines keep their order.
    """

    def __init__(self, proc: subprocess.Popen, emit: Callable[[str], None]):
        self._files = [f for f in (proc.stdout, proc.stderr) if f is not None]
        self._fds = [f.fileno() for f in self._files]
        for fd in self._fds:
            os.set_blocking(fd, False)
        self._partial = {fd: b"" for fd in self._fds}
        self._open = set(self._fds)
        self._emit = emit
        self._lock = threading.Lock()
        self.finished = threading.Event()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        while self._open:
            readable, _, _ = select.select(list(self._open), [], [], 0.5)
            for fd in readable:
                with self._lock:
                    self._read(fd)
        self.drain(flush=True)
        for file in self._files:
            file.close()
        self.finished.set()

    def _read(self, fd: int) -> None:
        while fd in self._open:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not data:
                self._open.discard(fd)
                return
            *lines, self._partial[fd] = (self._partial[fd] + data).split(b"\n")
            for line in lines:
                self._emit((line + b"\n").decode("utf-8", "replace"))

    def drain(self, flush: bool) -> None:
        """Emit everything written so far (and, with ``flush``, unterminated lines)."""
        with self._lock:
            for fd in self._fds:
                self._read(fd)
                if flush and self._partial[fd]:
                    self._emit(self._partial[fd].decode("utf-8", "replace"))
                    self._partial[fd] = b""


def max_memory_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return -(-int(line.split()[1]) // 1024)
    except OSError:
        pass
    return 0
