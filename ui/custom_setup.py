"""A provider's setup beyond its URL and key: the sidebar's "Custom headers" (one `Name: value` per
line) and the Azure OpenAI placement an import leaves (key in `api-key`, `api-version` on every
request). Both are applied to the provider every request, snippet and share link is built from.

A credential header typed or imported (`Helicone-Auth: Bearer sk-…`) leaves the text area at once:
its value is held in session state for this session only and shown back masked.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib.headers import SecretHeader, read_lines
from lib.providers import Extras, Provider, ResolvedKey, with_extras
from ui import keys, presenter


def _secrets(pid: str) -> dict[str, SecretHeader]:
    held: dict[str, SecretHeader] = st.session_state.setdefault(keys.secret_headers(pid), {})
    return held


def held_secrets(pid: str) -> dict[str, SecretHeader]:
    """The credential headers' values this session holds for a provider, by header name (memory only)."""
    return dict(_secrets(pid))


def _reserved(provider: Provider) -> frozenset[str]:
    return frozenset({"authorization", provider.auth_header.lower()})


def _absorb(pid: str, reserved: frozenset[str]) -> None:
    """On edit: credentials move out of the text into the session's held values; `Name:` drops one."""
    ss = st.session_state
    got = read_lines(ss.get(keys.custom_headers(pid), ""), reserved)
    held = _secrets(pid)
    for name in got.removed:
        held.pop(name, None)
    held |= {h.name: h for h in got.secrets}
    ss[keys.custom_headers(pid)] = "\n".join(f"{n}: {v}" for n, v in got.headers)
    ss[keys.custom_headers_problems(pid)] = got.problems
    ss.pop(keys.headers_from_link(pid), None)  # the person has seen and edited them


def apply(provider: Provider, key: ResolvedKey) -> tuple[Provider, ResolvedKey]:
    """Draw "Custom headers" (none for the local model); the provider with the setup applied, and the
    key to send (a stored key is withheld while headers that arrived in a link are unreviewed)."""
    if provider.local:
        return provider, key
    ss, pid = st.session_state, provider.id
    placement: Extras = ss.get(keys.provider_setup(pid)) or Extras()
    provider = with_extras(provider, placement)
    text_key = keys.custom_headers(pid)
    ss.setdefault(text_key, "")
    if presenter.active():  # headers name hosts and hold credentials: off the projector; they still apply
        return _applied(provider, key, placement)
    st.text_area(
        "Custom headers",
        key=text_key,
        height=68,
        on_change=_absorb,
        args=(pid, _reserved(provider)),
        placeholder="HTTP-Referer: https://myapp.example",
        help="One `Name: value` per line, sent with every request and written into every snippet. A credential "
        "(an *-Auth, *Key or *Token header, or a Bearer value) is kept for this session only and shown masked; "
        "`Name:` alone removes a header.",
    )
    for held in _secrets(pid).values():
        st.caption(f"{held.masked()} (kept for this session)" if held.value else
                   f"{held.masked()}: type `{held.name}: {held.prefix}<value>` above")  # fmt: skip
    for problem in ss.get(keys.custom_headers_problems(pid), []):
        st.caption(problem)
    if placement.label:
        version = dict(placement.query).get("api-version")
        st.caption(f"{placement.label}: the key goes in the {placement.auth_header} header"
                   + (f"; api-version={version} is sent with every request." if version else "."))  # fmt: skip
    given = key
    provider, key = _applied(provider, key, placement)
    if key is not given and key.note:  # the stored key withheld: say why
        st.caption(key.note)
    return provider, key


def _applied(provider: Provider, key: ResolvedKey, placement: Extras) -> tuple[Provider, ResolvedKey]:
    """The provider with the session's headers applied, and the key to send."""
    ss, pid = st.session_state, provider.id
    plain = tuple(read_lines(ss[keys.custom_headers(pid)], _reserved(provider)).headers)
    provider = with_extras(provider, replace(placement, headers=plain, secret_headers=tuple(_secrets(pid).values())))
    if ss.get(keys.headers_from_link(pid)) and key.origin in ("environment", "secrets"):
        key = ResolvedKey(None, "none", "A stored key is not sent with headers that came in a link; check "
                          "Custom headers (edit them to confirm) or type a key.")  # fmt: skip
    return provider, key


def _placement(extras: Extras) -> Extras | None:
    """Where the key goes, the query and the label: the part of a setup that is not its headers."""
    placement = replace(extras, headers=(), secret_headers=())
    return placement if placement != Extras() else None


def from_import(pid: str, extras: Extras) -> dict[str, str]:
    """Hold an import's credential headers and Azure placement for the session now; the "Custom
    headers" text to set on the next run (a drawn widget cannot change in this one)."""
    ss = st.session_state
    ss[keys.secret_headers(pid)] = {h.name: h for h in extras.secret_headers}
    ss[keys.provider_setup(pid)] = _placement(extras)
    ss.pop(keys.custom_headers_problems(pid), None)
    ss.pop(keys.headers_from_link(pid), None)
    return {keys.custom_headers(pid): "\n".join(f"{n}: {v}" for n, v in extras.headers)}


def from_link(pid: str, extras: Extras) -> None:
    """A share link's setup (checked by lib.share.shared_extras), before any widget is drawn."""
    ss = st.session_state
    ss[keys.custom_headers(pid)] = "\n".join(f"{n}: {v}" for n, v in extras.headers)
    ss[keys.secret_headers(pid)] = {h.name: h for h in extras.secret_headers}
    ss[keys.provider_setup(pid)] = _placement(extras)
    if extras.headers or extras.secret_headers:
        ss[keys.headers_from_link(pid)] = True


def shareable(provider: Provider) -> Extras:
    """What a share link may carry of the provider's setup (lib.share drops credential values)."""
    placement: Extras = st.session_state.get(keys.provider_setup(provider.id)) or Extras()
    return replace(placement, headers=provider.headers, secret_headers=provider.secret_headers)
