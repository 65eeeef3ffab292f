"""A shared Workbench sends nothing to the machine it runs on or its networks (lib/address_guard.py):
every spelling of a local address is refused with one sentence and the stand-in (on loopback, where
such a request would land) receives nothing; listed hosts, the embedded model's own port and the
single-user (loopback) case keep working. The check is where the connection is made: one lookup,
and the socket goes to the address that was checked."""

from __future__ import annotations

import asyncio
import ipaddress
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpcore
import pytest

from lib import address_guard, errors
from lib.address_guard import AddressPolicy, kind_of
from lib.client import AsyncChatClient, ChatClient, ClientConfig
from lib.providers import Provider, builtin_providers, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import Behaviour, StandIn, free_port

FAST = ClientConfig(max_retries=0, connect_timeout=2, first_byte_timeout=5)
SHARED = AddressPolicy(shared=True)
# Every one of these reaches this machine's loopback, where the stand-in listens.
LOOPBACK_FORMS = ["127.0.0.1", "localhost", "localhost.", "LOCALHOST", "127.1", "2130706433", "0x7f.1",
                  "0x7f000001", "017700000001", "127.0.0.2"]  # fmt: skip


def _custom(base_url: str) -> Provider:
    return with_base_url(builtin_providers()["custom"], base_url)


def _ask(provider: Provider, policy: AddressPolicy) -> errors.WorkbenchError | None:
    request = ChatRequest(provider, "gpt-oss-120b", [Message("user", "Hello there")], {"stream": True})
    with ChatClient(FAST, policy=policy) as client:
        return client.complete(request, key="sk-visitor").error


@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_spelling_of_loopback_is_refused_when_shared(stand_in: StandIn, host: str) -> None:
    port = stand_in.base_url.split(":")[2].split("/")[0]
    error = _ask(_custom(f"http://{host}:{port}/api/ai"), SHARED)
    assert isinstance(error, errors.AddressRefused), error
    assert "loopback" in str(error) and "WORKBENCH_ALLOWED_HOSTS" in str(error)
    assert stand_in.requests == []


# Not "localhost." (glibc does not resolve it) nor 127.0.0.2 (the stand-in listens on 127.0.0.1 only).
@pytest.mark.parametrize("host", [h for h in LOOPBACK_FORMS if h not in ("localhost.", "127.0.0.2")])
def test_on_loopback_the_same_urls_work(stand_in: StandIn, host: str) -> None:
    port = stand_in.base_url.split(":")[2].split("/")[0]
    assert _ask(_custom(f"http://{host}:{port}/api/ai"), AddressPolicy(shared=False)) is None
    assert len(stand_in.chat_requests()) == 1


def test_ipv6_loopback_is_refused_when_shared() -> None:
    error = _ask(_custom(f"http://[::1]:{free_port()}/v1"), SHARED)
    assert isinstance(error, errors.AddressRefused) and "loopback" in str(error)


@pytest.mark.parametrize(
    ("address", "kind"),
    [("169.254.169.254", "link-local"), ("10.0.0.8", "private"), ("192.168.1.20", "private"),
     ("172.16.5.4", "private"), ("fd12:3456::1", "unique-local"), ("fe80::1", "link-local"),
     ("224.0.0.251", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
     ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"), ("64:ff9b::a00:1", "private"),
     ("100.64.0.1", "reserved"), ("93.184.216.34", None), ("2606:4700::1111", None)],
)  # fmt: skip
def test_each_kind_of_internal_address(address: str, kind: str | None) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize("address", ["169.254.169.254", "10.0.0.8", "[fd12:3456::1]", "[::ffff:127.0.0.1]"])
def test_internal_addresses_are_refused_before_any_connection(address: str) -> None:
    # Nothing listens there from this sandbox: a refusal is the guard's sentence, not a timeout.
    error = _ask(_custom(f"http://{address}/v1"), SHARED)
    assert isinstance(error, errors.AddressRefused), error


def _resolving(table: dict[str, list[str]], calls: list[str] | None = None) -> AddressPolicy:
    def resolve(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return table[host]

    return AddressPolicy(shared=True, resolve=resolve)


def test_a_name_that_resolves_to_an_internal_address_is_refused(stand_in: StandIn) -> None:
    port = stand_in.base_url.split(":")[2].split("/")[0]
    policy = _resolving({"intranet.example": ["10.1.2.3"], "mixed.example": ["93.184.216.34", "127.0.0.1"]})
    for host in ("intranet.example", "mixed.example"):  # one internal address among public ones is enough
        error = _ask(_custom(f"http://{host}:{port}/api/ai"), policy)
        assert isinstance(error, errors.AddressRefused), error
        assert host in str(error)
    assert stand_in.requests == []


class _Recorder(httpcore.NetworkBackend):
    """Stands in for the network below the guard: where would the socket have gone."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        self.connected.append((host, port))
        raise httpcore.ConnectError("recorded, not connected")


def test_the_socket_goes_to_the_checked_address_so_a_rebinding_name_cannot_slip_through() -> None:
    # A name that answers a public address to the first lookup and loopback to the next: a check that
    # looked the name up and then let the connection look it up again would connect to loopback.
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    calls: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    backend = address_guard._GuardedBackend(AddressPolicy(shared=True, resolve=resolve))
    recorder = _Recorder()
    backend.inner = recorder  # type: ignore[assignment]  # the one fault a real network cannot make here
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("rebind.example", 443)
    assert calls == ["rebind.example"]  # looked up once
    assert recorder.connected == [("93.184.216.34", 443)]  # and connected to what was checked


def test_allowed_hosts_are_reached_when_shared(stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    port = stand_in.base_url.split(":")[2].split("/")[0]
    monkeypatch.setenv("WORKBENCH_SHARED", "1")
    monkeypatch.setenv("WORKBENCH_ALLOWED_HOSTS", "gpu-box.internal, 127.0.0.1")
    policy = address_guard.policy_from_env("0.0.0.0")
    assert policy.shared and policy.allowed_hosts == {"gpu-box.internal", "127.0.0.1"}
    assert _ask(_custom(f"http://127.0.0.1:{port}/api/ai"), policy) is None
    assert isinstance(_ask(_custom(f"http://localhost:{port}/api/ai"), policy), errors.AddressRefused)  # not listed
    assert len(stand_in.chat_requests()) == 1


def test_the_embedded_model_stays_reachable_when_shared(stand_in: StandIn) -> None:
    port = int(stand_in.base_url.split(":")[2].split("/")[0])
    policy = AddressPolicy(shared=True, local_model=("127.0.0.1", port))
    assert _ask(_custom(f"http://127.0.0.1:{port}/api/ai"), policy) is None
    other = AddressPolicy(shared=True, local_model=("127.0.0.1", free_port()))  # the app's own port, say
    assert isinstance(_ask(_custom(f"http://127.0.0.1:{port}/api/ai"), other), errors.AddressRefused)


def test_a_redirect_is_never_followed_with_the_key(stand_in: StandIn) -> None:
    target = StandIn().start()
    try:
        stand_in.then(Behaviour(status=307, headers={"Location": f"{target.base_url}/chat/completions"}))
        _ask(_custom(stand_in.base_url), AddressPolicy(shared=False))
        assert target.requests == []
        assert len(stand_in.chat_requests()) == 1
    finally:
        target.stop()


def test_the_async_client_is_guarded_alike(stand_in: StandIn) -> None:
    port = stand_in.base_url.split(":")[2].split("/")[0]
    request = ChatRequest(_custom(f"http://2130706433:{port}/api/ai"), "m", [Message("user", "Hi")], {"stream": True})

    async def ask() -> errors.WorkbenchError | None:
        async with AsyncChatClient(FAST, policy=SHARED) as client:
            return (await client.complete(request, key="sk-visitor")).error

    # In a thread of its own: browser tests earlier in the session leave an event loop running here.
    with ThreadPoolExecutor(1) as pool:
        assert isinstance(pool.submit(asyncio.run, ask()).result(), errors.AddressRefused)
    assert stand_in.requests == []


@pytest.mark.parametrize(
    ("address", "flag", "shared"),
    [("127.0.0.1", "", False), ("localhost", "", False), ("::1", "", False), ("0.0.0.0", "", True),
     ("", "", True), (None, "", True), ("192.168.1.5", "", True), ("127.0.0.1", "1", True), ("0.0.0.0", "0", False)],
)  # fmt: skip
def test_shared_mode_follows_where_the_app_listens(
    monkeypatch: pytest.MonkeyPatch, address: str | None, flag: str, shared: bool
) -> None:
    monkeypatch.setenv("WORKBENCH_SHARED", flag)
    assert address_guard.is_shared(address) is shared
