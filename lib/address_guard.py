"""Where a shared Workbench may send requests: never to the machine it runs on or its networks.

On loopback the app serves one person, who may point it anywhere (Ollama on localhost, a server on
the office network). Shared (listening on anything but loopback, or WORKBENCH_SHARED=1), every
visitor could make the server fetch `http://127.0.0.1:…`, a cloud's metadata service at
169.254.169.254 or an office host, and read the answer. So in shared mode a request goes out only
to public addresses, or to hosts the operator lists in WORKBENCH_ALLOWED_HOSTS, or to the embedded
model's own loopback port.

The check is made where the connection is made: the host is resolved once, every address it
resolves to is checked, and the socket connects to the checked address (TLS still verifies the
host name). So a name that answers differently on a second lookup (DNS rebinding) cannot slip
through, and every spelling of an address (`2130706433`, `0x7f.1`, `[::1]`, `localhost.`, a name
that resolves there) is judged by what the system itself would connect to.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpcore
import httpx

from lib import settings
from lib.errors import AddressRefused
from lib.tls import tls_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # host, port -> the addresses a connection would try
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 addresses embedded in IPv6 by NAT64


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system would connect to, in its order (numeric forms included)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def kind_of(ip: IPAddress) -> str | None:
    """Why a request may not go to `ip` from a shared server ("loopback", "private", ...), or None
    for a public address. IPv4 inside IPv6 (mapped, NAT64) is judged as the IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None)
        if inner is not None:
            return kind_of(inner)
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.IPv6Network("fc00::/7"):
        return "unique-local"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"  # shared address space (100.64/10), documentation ranges, ...
    return None


def normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


@dataclass(frozen=True)
class AddressPolicy:
    """Which hosts a request may reach. `shared` off: any (the single-user case)."""

    shared: bool = False
    allowed_hosts: frozenset[str] = frozenset()  # names or addresses the operator allows
    local_model: tuple[str, int] | None = None  # the embedded model's loopback address and port
    resolve: Resolver = field(default=system_resolver, compare=False)

    def address_for(self, host: str, port: int) -> str:
        """The address to connect to for `host`; raises AddressRefused, with its sentence."""
        if not self.shared or normal_host(host) in self.allowed_hosts:
            return host
        try:
            addresses = self.resolve(normal_host(host), port)
        except (OSError, UnicodeError):
            return host  # the connection itself fails and says the host could not be found
        if not addresses:
            return host
        if self.local_model is not None and port == self.local_model[1] and set(addresses) == {self.local_model[0]}:
            return addresses[0]  # the embedded model, reachable as through its own provider
        for address in addresses:
            kind = kind_of(ipaddress.ip_address(address.split("%", 1)[0]))
            if kind is not None:
                raise refused(host, address, kind)
        return addresses[0]


def refused(host: str, address: str, kind: str) -> AddressRefused:
    shown = host if normal_host(host) == address else f"{host} ({address})"
    return AddressRefused(
        f"This Workbench is shared, so it sends nothing to {kind} addresses: {shown} is one. Use a "
        "public address, or ask whoever runs it to add the host to WORKBENCH_ALLOWED_HOSTS."
    )


def policy_from_env(listen_address: str | None) -> AddressPolicy:
    """The policy of an app listening on `listen_address` (None or "": every interface)."""
    raw = os.environ.get("WORKBENCH_ALLOWED_HOSTS", "")
    allowed = frozenset(normal_host(h) for h in raw.replace(";", ",").split(",") if h.strip())
    return AddressPolicy(
        shared=is_shared(listen_address),
        allowed_hosts=allowed,
        local_model=("127.0.0.1", settings.local_model_port()),
    )


def is_shared(listen_address: str | None) -> bool:
    """Shared when WORKBENCH_SHARED says so (1 on, 0 off), else when the app listens on anything
    but loopback (Streamlit listens on every interface when no address is set)."""
    flag = os.environ.get("WORKBENCH_SHARED", "").strip().lower()
    if flag in ("1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    host = normal_host(listen_address or "")
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # every interface, or a name: reachable from elsewhere


# -- the connection made to the checked address ----------------------------------------------------
class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self.policy.address_for(host, port)
        return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise AddressRefused("This Workbench is shared, so it connects to no local socket.")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


class _AsyncGuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await anyio.to_thread.run_sync(self.policy.address_for, host, port)
        return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("This Workbench is shared, so it connects to no local socket.")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport whose connections go through `policy` (no proxy from the environment: a
    client given a transport takes none)."""

    def __init__(self, policy: AddressPolicy):
        super().__init__(verify=tls_context())
        self._pool = httpcore.ConnectionPool(ssl_context=tls_context(), network_backend=_GuardedBackend(policy))


class AsyncGuardedTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: AddressPolicy):
        super().__init__(verify=tls_context())
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=tls_context(), network_backend=_AsyncGuardedBackend(policy)
        )


_current = AddressPolicy()


def configure(listen_address: str | None) -> AddressPolicy:
    """Set this process's policy from where the app listens and the environment (the app does so
    at every start of a page; clients made after it use it)."""
    global _current
    _current = policy_from_env(listen_address)
    return _current


def current() -> AddressPolicy:
    return _current
