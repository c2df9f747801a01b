"""Take a process off the network: a new, empty network namespace (Linux).

The SPARQL query workers call :func:`isolate` before they read a query, so even a ``SERVICE``
that got past the guard could not open a connection: the worker has no network interface, not
even loopback. It needs CAP_SYS_ADMIN (root) or unprivileged user namespaces; where neither is
available the worker runs as before and :func:`isolate` says why, and the guard alone keeps
``SERVICE`` out (:mod:`graphsvc.http.sparql.guard`).
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def _unshare(flags: int) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) == 0:
        return 0
    return ctypes.get_errno()


def isolate() -> str | None:
    """Move this process into an empty network namespace; None on success, else the reason."""
    if not hasattr(os, "sched_getaffinity"):  # not Linux
        return "network namespaces need Linux"
    try:
        err = _unshare(CLONE_NEWNET)
        if err == 0:
            return None
        uid, gid = os.getuid(), os.getgid()
        err = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        if err != 0:
            return f"unshare: {os.strerror(err)}"
        # keep this process's own uid and gid inside the new user namespace
        with open("/proc/self/setgroups", "w") as f:
            f.write("deny")
        with open("/proc/self/uid_map", "w") as f:
            f.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as f:
            f.write(f"{gid} {gid} 1")
    except OSError as exc:
        return f"unshare: {exc}"
    return None
