"""The offline guarantee, enforced in-process: any attempt to reach the network fails loudly.

The app installs the guard before it does anything else (only the explicit ``fetch-backbone``
command for build machines goes without it). Local IPC (Unix sockets, which Qt and D-Bus use)
stays allowed; every internet address family is refused at connect, bind (even to loopback: no
listening endpoint either), DNS and send time, and the refusal names the code that tried, so a
dependency that phones home is found, not hidden. (urllib3 probes IPv6 by binding to [::1] when
it is imported; it takes the refusal as "no IPv6" and works on.)
"""

from __future__ import annotations

import logging
import socket
import sysconfig
import traceback

log = logging.getLogger(__name__)

_INTERNET = {socket.AF_INET, socket.AF_INET6}
_originals: dict[str, object] = {}


class NetworkBlocked(ConnectionRefusedError):
    """Raised instead of opening a connection while the guard is on."""


_STDLIB = sysconfig.get_paths()["stdlib"]


def _caller() -> str:
    """The innermost frame outside the standard library: the code that wanted the network."""
    frames = [f for f in traceback.extract_stack() if f.filename != __file__]
    for frame in reversed(frames):
        if not frame.filename.startswith(_STDLIB):
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "unknown"


def _refuse(what: str, quiet: bool = False):
    where = _caller()
    (log.debug if quiet else log.error)("network access blocked: %s from %s", what, where)
    raise NetworkBlocked(f"Deepfake Inspector works offline; blocked {what} from {where}")


def install() -> None:
    """Refuse internet connections and name lookups for the rest of the process. Idempotent."""
    if _originals:
        return
    _originals.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        bind=socket.socket.bind,
        sendto=socket.socket.sendto,
        getaddrinfo=socket.getaddrinfo,
        create_connection=socket.create_connection,
    )

    def connect(self, address):
        if self.family in _INTERNET:
            _refuse(f"a connection to {address!r}")
        return _originals["connect"](self, address)

    def connect_ex(self, address):
        if self.family in _INTERNET:
            _refuse(f"a connection to {address!r}")
        return _originals["connect_ex"](self, address)

    def bind(self, address):
        if self.family in _INTERNET:
            _refuse(f"binding a socket to {address!r}", quiet=True)  # a capability probe, refused without noise
        return _originals["bind"](self, address)

    def sendto(self, data, *args):
        if self.family in _INTERNET:
            _refuse(f"a datagram to {args[-1]!r}")
        return _originals["sendto"](self, data, *args)

    def getaddrinfo(host, *args, **kwargs):
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            _refuse(f"a name lookup of {host!r}")
        return _originals["getaddrinfo"](host, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        _refuse(f"a connection to {address!r}")

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.bind = bind
    socket.socket.sendto = sendto
    socket.getaddrinfo = getaddrinfo
    socket.create_connection = create_connection


def uninstall() -> None:
    if not _originals:
        return
    socket.socket.connect = _originals["connect"]
    socket.socket.connect_ex = _originals["connect_ex"]
    socket.socket.bind = _originals["bind"]
    socket.socket.sendto = _originals["sendto"]
    socket.getaddrinfo = _originals["getaddrinfo"]
    socket.create_connection = _originals["create_connection"]
    _originals.clear()


def installed() -> bool:
    return bool(_originals)
