"""What stops a search early: a deadline, Ctrl-C, and the memory the process may use.

:func:`redblue.search.solve` makes one :class:`Limits` when it starts and passes it down
to every phase (greedy seed, automorphisms, weighted A*, the exact search, the ILP), so a
time limit counts everything from the call on. A phase polls it where it looks at the
clock; the Python parts call :meth:`Limits.check`, which raises :class:`Stopped`, and the
search cores turn that into a result with proven bounds (``stopped`` names the reason).

- **Deadline**: ``time_limit`` seconds from the creation of the :class:`Limits`;
  :meth:`Limits.within` gives a phase an earlier one of its own, sharing the rest.
- **Ctrl-C**: :meth:`Limits.catch_interrupts` installs a SIGINT handler (main thread only;
  the old one is restored after) that only sets a flag; the searches poll it like the
  clock and stop with ``stopped="interrupted"``. A second Ctrl-C raises
  ``KeyboardInterrupt`` as usual.
- **Memory**: :class:`MemoryGuard` reads every limit that applies to the process, the
  cgroup (v2 ``memory.max``, v1 ``memory.limit_in_bytes``, each level of the hierarchy),
  ``RLIMIT_AS`` and ``RLIMIT_DATA``, and :data:`MEMORY_SHARE` of the physical memory (or
  the share ``REDBLUE_MEMORY_SHARE`` sets), and
  tells a search when its next table growth would cross one of them (minus a reserve for
  building the certificate afterwards), so it stops with bounds ("memory limit") instead
  of being killed or dying of ``MemoryError``.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redblue.checks import short_repr
from redblue.errors import InvalidInputError

__all__ = [
    "MEMORY_SHARE",
    "MEMORY_SHARE_ENV",
    "Limits",
    "MemoryGuard",
    "MemorySource",
    "Stopped",
    "call_within",
    "cgroup_sources",
    "load_within",
    "memory_share",
    "memory_sources",
    "out_of_memory",
]

#: share of the machine's physical memory one process may fill with search tables
MEMORY_SHARE = 0.5
#: the environment variable that sets another share (a number above 0, at most 1): on a
#: machine given to one search, more of it may be filled
MEMORY_SHARE_ENV = "REDBLUE_MEMORY_SHARE"
#: kept free below every memory limit for the work after a search (the certificate, its
#: replay): this share of the limit, and at least :data:`RESERVE_MIN` bytes
RESERVE_SHARE = 0.05
RESERVE_MIN = 16 << 20
#: a cgroup or rlimit value at or above this means "no limit"
_UNLIMITED = 1 << 60


def memory_share() -> float:
    """The share of physical memory a search may fill: :data:`MEMORY_SHARE`, or the
    value of ``REDBLUE_MEMORY_SHARE`` (:data:`MEMORY_SHARE_ENV`) where it is set.

    Raises
    ------
    InvalidInputError
        For a value that is not a number above 0 and at most 1.

    Examples
    --------
    >>> import os
    >>> os.environ.pop(MEMORY_SHARE_ENV, None) and None
    >>> memory_share()
    0.5
    >>> os.environ[MEMORY_SHARE_ENV] = "0.8"; memory_share()
    0.8
    >>> os.environ[MEMORY_SHARE_ENV] = "nan"; memory_share()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    redblue.errors.InvalidInputError: REDBLUE_MEMORY_SHARE must be ... at most 1, got 'nan'
    >>> del os.environ[MEMORY_SHARE_ENV]
    """
    text = os.environ.get(MEMORY_SHARE_ENV, "").strip()
    if not text:
        return MEMORY_SHARE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= 1:  # (NaN fails too)
        raise InvalidInputError(
            f"{MEMORY_SHARE_ENV} must be a number above 0 and at most 1, got {short_repr(text)}"
        )
    return value


class Stopped(Exception):
    """Raised by :meth:`Limits.check` when a phase must stop; ``reason`` says why
    ("time limit", "interrupted" or "memory limit")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Limits:
    """The deadline, the interrupt flag and the memory guard of one search.

    Parameters
    ----------
    time_limit : float, optional
        Seconds from now; None for no deadline.
    deadline : float, optional
        An absolute :func:`time.monotonic` deadline to keep as well (the earlier wins).
    flag : list, optional
        The interrupt flag to share (a one-element list); a fresh one by default.
    guard : MemoryGuard, optional
        The memory guard to share; made on first use by default.

    Examples
    --------
    >>> lim = Limits(10.0)
    >>> lim.reason() is None and 9 < lim.left() <= 10
    True
    >>> lim.interrupt()
    >>> lim.within(1.0).reason()      # a phase's limits share the flag
    'interrupted'
    """

    def __init__(
        self,
        time_limit: float | None = None,
        *,
        deadline: float | None = None,
        flag: list | None = None,
        guard: MemoryGuard | None = None,
    ):
        memory_share()  # a bad REDBLUE_MEMORY_SHARE is refused before any work
        self.t0 = time.monotonic()
        if time_limit is not None:
            end = self.t0 + time_limit
            deadline = end if deadline is None else min(deadline, end)
        self.deadline = deadline
        self.flag = [False] if flag is None else flag
        self._guard = guard

    @property
    def memory(self) -> MemoryGuard:
        """The memory guard (read from the system on first use, then shared)."""
        if self._guard is None:
            self._guard = MemoryGuard()
        return self._guard

    def within(self, seconds: float | None, keep: float = 0.0) -> Limits:
        """Limits for a phase: at most ``seconds`` more (None: no more than these), ending
        ``keep`` seconds before this deadline at the latest (time kept for what follows
        the phase), with the same interrupt flag and memory guard."""
        deadline = None if self.deadline is None else self.deadline - keep
        return Limits(seconds, deadline=deadline, flag=self.flag, guard=self.memory)

    def left(self) -> float | None:
        """Seconds until the deadline (never negative), None without one."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def elapsed(self) -> float:
        """Seconds since these limits were made."""
        return time.monotonic() - self.t0

    def interrupt(self) -> None:
        """Ask every phase using these limits (or sharing their flag) to stop."""
        self.flag[0] = True

    @property
    def interrupted(self) -> bool:
        return self.flag[0]

    def reason(self) -> str | None:
        """"interrupted", "time limit", or None while the search may go on."""
        if self.flag[0]:
            return "interrupted"
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return "time limit"
        return None

    def check(self) -> None:
        """Raise :class:`Stopped` if the search must stop (cheap: call it in loops)."""
        if self.flag[0] or (self.deadline is not None and time.monotonic() >= self.deadline):
            raise Stopped(self.reason() or "time limit")

    @contextlib.contextmanager
    def catch_interrupts(self) -> Iterator[None]:
        """While inside, Ctrl-C (SIGINT) sets the interrupt flag instead of raising
        ``KeyboardInterrupt``; a second one raises it. Does nothing outside the main
        thread (Python delivers signals there only), when SIGINT is ignored (a background
        job of a shell, ``nohup``) or when the current handler was not installed from
        Python (it could not be restored)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        old = signal.getsignal(signal.SIGINT)
        if old is None or old is signal.SIG_IGN:  # (None: a handler installed from C)
            yield
            return

        def handler(signum: int, frame: object) -> None:
            if self.flag[0]:
                raise KeyboardInterrupt
            self.flag[0] = True

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old)


#: a load from numba's cache took up to 4 s under a load of 10: with more time left than
#: this, :func:`load_within` loads in the calling thread
LOAD_SECONDS = 10.0


def load_within(fn, args: tuple, limits: Limits | None) -> None:
    """Have the compiled function ``fn`` ready for the types of ``args``, within ``limits``.

    The first call of a numba function in a process loads it from numba's cache on disk
    (or compiles it): about 0.3 s on an idle machine, 2 to 4 s under a load of 10, in
    one call no deadline can interrupt. With less than :data:`LOAD_SECONDS` left before
    the deadline, the loading runs in a thread (``fn.compile``, which loads a cached
    version when there is one) while this thread waits and calls :meth:`Limits.check`
    every 10 ms; when that raises :class:`Stopped`, the caller stops with its proven
    bounds and the thread finishes the loading in the background (a daemon: it never
    holds up the exit). With more time left, or under an address-space limit
    (``RLIMIT_AS``: a new thread reserves its own malloc arena, and glibc aborts the
    process when it cannot), ``fn`` loads in the calling thread, as it would on its first
    call. Does nothing when ``fn`` is loaded already, or is plain Python
    (``NUMBA_DISABLE_JIT=1``), or ``limits`` is None.

    Examples
    --------
    >>> class Slow:                  # a stand-in for a numba dispatcher, slow to load
    ...     overloads = {}
    ...     def compile(self, sig):
    ...         time.sleep(5)
    >>> try:
    ...     load_within(Slow(), (1,), Limits(0.05))
    ... except Stopped as stop:
    ...     print(stop.reason)
    time limit
    """
    overloads = getattr(fn, "overloads", None)
    if overloads is None or limits is None:
        return
    from numba import typeof  # (only where a compiled function is about to be called)

    sig = tuple(typeof(a) for a in args)
    if sig in overloads:
        return
    limits.check()
    left = limits.left()
    if left is None or left > LOAD_SECONDS or _address_space_limited():
        fn.compile(sig)
        return
    loader = threading.Thread(target=fn.compile, args=(sig,), daemon=True,
                              name="redblue-kernel-load")  # fmt: skip
    loader.start()
    while loader.is_alive():
        loader.join(0.01)
        limits.check()


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` comes of an allocation that failed.

    Compiled code raises a ``MemoryError`` by unpickling it; when that too runs out of
    memory, Python sees a ``SystemError`` whose cause, or its cause's, is the
    ``MemoryError``. Either way the search has no room left and stops with its bounds.

    Examples
    --------
    >>> try:
    ...     try:
    ...         raise MemoryError
    ...     except MemoryError as exc:
    ...         raise SystemError("returned a result with an exception set") from exc
    ... except SystemError as exc:
    ...     print(out_of_memory(exc), out_of_memory(SystemError("other")))
    True False
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, MemoryError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def call_within(fn, args: tuple, limits: Limits | None) -> Any:
    """``fn(*args)``, once :func:`load_within` has loaded ``fn`` within ``limits``.

    Examples
    --------
    >>> call_within(max, (1, 2), Limits(1.0))   # plain Python: nothing to load
    2
    """
    load_within(fn, args, limits)
    return fn(*args)


def _address_space_limited() -> bool:
    """Whether ``RLIMIT_AS`` limits this process."""
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return soft != resource.RLIM_INFINITY and soft < _UNLIMITED


@dataclass
class MemorySource:
    """One limit on the process's memory: its name, the limit in bytes, and how to
    read the usage it is compared with (bytes, 0 if unreadable)."""

    name: str
    limit: int
    usage: Callable[[], int]

    def headroom(self) -> int:
        """Bytes left below the limit, the reserve kept aside."""
        reserve = max(RESERVE_MIN, int(self.limit * RESERVE_SHARE))
        return self.limit - reserve - self.usage()


class MemoryGuard:
    """Every memory limit of this process (see :func:`memory_sources`), checked together.

    Parameters
    ----------
    sources : list of MemorySource, optional
        Default: :func:`memory_sources` of this machine.

    Examples
    --------
    >>> guard = MemoryGuard([MemorySource("test", 100 << 20, lambda: 50 << 20)])
    >>> guard.exceeded(1 << 20) is None
    True
    >>> guard.exceeded(60 << 20)
    'test'
    """

    def __init__(self, sources: list[MemorySource] | None = None):
        self.sources = memory_sources() if sources is None else sources
        #: the limit that stopped a search last ("MemoryError" when an allocation failed)
        self.tripped: str | None = None

    def exceeded(self, growth: int) -> str | None:
        """The name of the first limit that ``growth`` more bytes would cross (the
        reserve kept aside), or None if every limit has room."""
        for s in self.sources:
            if growth > s.headroom():
                self.tripped = s.name
                return s.name
        return None

    def headroom(self) -> int | None:
        """The least room any limit leaves (bytes), None without any limit."""
        rooms = [s.headroom() for s in self.sources]
        return min(rooms) if rooms else None


def _statm(field: int, proc: Path) -> int:
    """Field ``field`` of ``proc/statm`` in bytes (0 virtual size, 1 resident, 5 data)."""
    try:
        return int((proc / "statm").read_text().split()[field]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _read_int(path: Path) -> int | None:
    """The number in a cgroup file; None if absent, unreadable or "max"."""
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if not text or text == "max":
        return None
    try:
        value = int(text.split()[0])
    except ValueError:
        return None
    return None if value >= _UNLIMITED else value


def _stat_value(path: Path, key: str) -> int:
    """The value of ``key`` in a cgroup ``memory.stat`` file, 0 if missing."""
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _cgroup_usage(usage_file: Path, stat_file: Path, inactive_key: str) -> Callable[[], int]:
    """The usage of a cgroup as the kernel counts it, less the inactive file cache
    (reclaimed before the kernel kills anything), read afresh on each call."""

    def usage() -> int:
        used = _read_int(usage_file)
        if used is None:
            return 0
        return max(0, used - _stat_value(stat_file, inactive_key))

    return usage


def _mount_candidates(root: Path, rel: str) -> Iterator[Path]:
    """Where the cgroup ``rel`` may sit under the mount ``root``: the full path, then
    shorter ones (a container sees its own cgroup at the root of the mount)."""
    parts = [p for p in rel.split("/") if p]
    for i in range(len(parts) + 1):
        yield root.joinpath(*parts[i:])


def cgroup_sources(root: Path | str, proc_cgroup: str) -> list[MemorySource]:
    """The memory limits of the cgroups in ``proc_cgroup`` (the text of
    ``/proc/self/cgroup``), with the cgroup file systems mounted under ``root``.

    cgroup v2 (a line ``0::/path``): ``root/path/memory.max`` against
    ``memory.current`` (``root`` itself, or ``root/unified`` in hybrid setups). cgroup v1
    (a line ``N:...memory...:/path``): ``root/memory/path/memory.limit_in_bytes`` against
    ``memory.usage_in_bytes``. Every level from the process's cgroup up to the root of the
    mount counts (a parent's limit holds for its children); usage is less the inactive
    file cache of ``memory.stat``. "max" and values of 2**60 or more mean no limit.

    Parameters
    ----------
    root : path
        The cgroup mount point, normally ``/sys/fs/cgroup`` (a parameter for tests).
    proc_cgroup : str
        The contents of ``/proc/self/cgroup``.

    Returns
    -------
    list of MemorySource
        One per level that has a limit.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     job = pathlib.Path(d, "job"); job.mkdir()
    ...     _ = (job / "memory.max").write_text("471859200\\n")
    ...     _ = (job / "memory.current").write_text("104857600\\n")
    ...     [(s.name, s.limit, s.usage()) for s in cgroup_sources(d, "0::/job\\n")]
    [('cgroup memory.max (/job)', 471859200, 104857600)]
    """
    root = Path(root)
    out: list[MemorySource] = []
    for line in proc_cgroup.splitlines():
        hid, _, rest = line.partition(":")
        controllers, _, rel = rest.partition(":")
        if hid == "0" and controllers == "":
            mounts = [root, root / "unified"]
            limit_name, usage_name, inactive = "memory.max", "memory.current", "inactive_file"
        elif "memory" in controllers.split(","):
            mounts = [root / controllers, root / "memory", root]
            limit_name, usage_name = "memory.limit_in_bytes", "memory.usage_in_bytes"
            inactive = "total_inactive_file"
        else:
            continue
        leaf = None
        for mount in mounts:
            leaf = next((p for p in _mount_candidates(mount, rel) if (p / usage_name).exists()
                         or (p / limit_name).exists()), None)  # fmt: skip
            if leaf is not None:
                break
        if leaf is None:
            continue
        level = leaf
        while True:
            limit = _read_int(level / limit_name)
            if limit is not None:
                shown = "/" + "/".join(level.relative_to(mount).parts)
                out.append(MemorySource(
                    f"cgroup {limit_name} ({shown})", limit,
                    _cgroup_usage(level / usage_name, level / "memory.stat", inactive)))
            if level == mount or level.parent == level:
                break
            level = level.parent
    return out


def memory_sources(
    cgroup_root: Path | str = "/sys/fs/cgroup", proc: Path | str = "/proc/self"
) -> list[MemorySource]:
    """Every memory limit of this process, each with how to read its usage.

    - :func:`memory_share` of the physical memory, against the resident size;
    - the cgroup limits (:func:`cgroup_sources`);
    - ``RLIMIT_AS`` against the virtual size and ``RLIMIT_DATA`` against the data size
      (``ulimit -v`` and ``ulimit -d``), when set.

    Examples
    --------
    >>> any(s.name == "physical memory" for s in memory_sources())
    True
    """
    proc = Path(proc)
    out: list[MemorySource] = []
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        ram = 8 << 30
    out.append(MemorySource("physical memory", int(ram * memory_share()),
                            lambda: _statm(1, proc)))  # fmt: skip
    try:
        text = (proc / "cgroup").read_text()
    except OSError:
        text = ""
    out.extend(cgroup_sources(cgroup_root, text))
    for name, which, field in (("RLIMIT_AS (ulimit -v)", "RLIMIT_AS", 0),
                               ("RLIMIT_DATA (ulimit -d)", "RLIMIT_DATA", 5)):  # fmt: skip
        kind = getattr(resource, which, None)
        if kind is None:  # pragma: no cover - not on this platform
            continue
        soft = resource.getrlimit(kind)[0]
        if soft != resource.RLIM_INFINITY and 0 < soft < _UNLIMITED:
            out.append(MemorySource(name, soft, lambda f=field: _statm(f, proc)))
    return out
