"""cURL import, the reverse door: a pasted `curl` command becomes provider, model, messages,
parameters and the setup's own headers. Reads bash as bash would (lib/shell.py): quotes, `$'...'`,
line continuations, here-documents, and commands joined by pipes, `&&` or `;` (only the curl
command is imported; the rest is named), so a command copied from a provider's docs or a browser's
"Copy as cURL (bash)" imports as it would run.

What cannot be imported is named in `problems`, never dropped silently. A literal key is moved out
of the command into `key`, a credential header's value into the setup's `secret_headers`, and
`shown` is the command without either. Placeholders from docs (`YOUR_API_KEY`, `<token>`,
`$OPENAI_API_KEY`, `sk-...`) are recognised as such: never taken for a key, always named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from lib import limits
from lib.headers import (
    Secret,
    SecretHeader,
    env_name,
    is_placeholder,
    is_secret,
    split_scheme,
    valid_name,
    valid_value,
    variable_in,
)
from lib.params import OPENAI_FIELDS
from lib.providers import Extras, Provider
from lib.request import Message
from lib.shell import Command, ShellSyntaxError, commands, split_command

__all__ = ["KEY_REMOVED", "SECRET_REMOVED", "CurlImportError", "Imported", "import_curl", "placeholder_model",
           "split_command"]  # fmt: skip

ROLES = ("system", "developer", "user", "assistant", "tool")
KEY_REMOVED = "[key moved to the API key field]"
SECRET_REMOVED = "[kept for this session]"
LEFT_OUT = "[left out]"  # a credential that is not imported (a cookie), still never shown back
CHAT_PATH = "/chat/completions"
AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
AZURE_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com", ".services.ai.azure.com")

# Options that take a value but do not change the request: read past them quietly.
_QUIET_WITH_VALUE = {"-o", "--output", "-m", "--max-time", "--connect-timeout", "--retry", "-w", "--write-out"}
_QUIET_FLAGS = {"-N", "--no-buffer", "-s", "--silent", "-S", "--show-error", "-L", "--location", "--compressed",
                "-i", "--include", "-k", "--insecure", "-v", "--verbose", "-f", "--fail", "--fail-with-body",
                "--http1.1", "--http2", "-g", "--globoff"}  # fmt: skip
# Options with a value that we name as not imported (the value is read past, not taken for a URL).
_NAMED_WITH_VALUE = {"-x", "--proxy", "--cert", "--cacert", "--key", "--resolve", "-K", "--config", "--limit-rate"}
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}
_WITH_VALUE = {"-X", "--request", "-H", "--header", "--url", "-F", "--form", "-u", "--user", "-b", "--cookie",
               "-A", "--user-agent", "-e", "--referer", "--data-urlencode", "--oauth2-bearer",
               *_DATA, *_QUIET_WITH_VALUE, *_NAMED_WITH_VALUE}  # fmt: skip
_SHORT_WITH_VALUE = {o for o in _WITH_VALUE if len(o) == 2}
# Headers a browser or curl sets itself: not part of a provider's setup.
_TRANSPORT = {"origin", "referer", "user-agent", "accept-language", "accept-encoding", "cache-control", "pragma",
              "priority", "dnt", "connection", "host", "content-length", "cookie", "te"}  # fmt: skip
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_VAR_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


class CurlImportError(ValueError):
    """The text cannot become a request; the message says why and what to do."""


@dataclass
class Imported:
    provider_id: str
    base_url: str
    model: str
    messages: list[Message]
    params: dict[str, Any]
    key: str | None = None  # a literal key found in the command, for the session's key field
    problems: list[str] = field(default_factory=list)
    shown: str = ""
    extras: Extras = field(default_factory=Extras)  # the setup's headers, query, key placement


@dataclass
class _Curl:
    """The parts of a curl command that make the request."""

    method: str | None = None
    url: str | None = None
    data: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _options(words: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(option, value) pairs and positional words, with `-XPOST`, `--data=…` and `-sSN` unfolded."""
    opts: list[tuple[str, str | None]] = []
    positional: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w.startswith("--") and len(w) > 2:
            name, eq, value = w.partition("=")
            if eq:
                opts.append((name, value))
            elif name in _WITH_VALUE:
                if i >= len(words):
                    raise CurlImportError(f"{name} needs a value; paste the whole command.")
                opts.append((name, words[i]))
                i += 1
            else:
                opts.append((name, None))
        elif w.startswith("-") and len(w) > 1:
            j = 1
            while j < len(w):
                o = "-" + w[j]
                if o in _SHORT_WITH_VALUE:
                    value = w[j + 1 :]
                    if not value:
                        if i >= len(words):
                            raise CurlImportError(f"{o} needs a value; paste the whole command.")
                        value = words[i]
                        i += 1
                    opts.append((o, value))
                    break
                opts.append((o, None))
                j += 1
        else:
            positional.append(w)
    return opts, positional


def _read_curl(words: list[str], stdin: str | None) -> _Curl:
    """Method, URL, body parts and headers from curl's options; what is left out goes to problems."""
    opts, positional = _options(words)
    got = _Curl()
    for name, value in opts:
        v = value or ""
        if name in ("-X", "--request"):
            got.method = v.upper()
        elif name in ("-H", "--header"):
            if v.startswith("@"):
                got.problems.append(f"Headers read from a file ({v}) cannot be imported.")
            else:
                h, _, hv = v.partition(":")
                got.headers.append((h.strip(), hv.strip()))
        elif name == "--oauth2-bearer":
            got.headers.append(("Authorization", f"Bearer {v}"))
        elif name in _DATA:
            got.data.append(_data_value(v, stdin))
        elif name == "--url":
            got.url = v
        elif name in ("-F", "--form"):
            got.problems.append(f"The form field or file upload ({name} {v}) cannot be imported.")
        elif name in ("-u", "--user", "-b", "--cookie", "-A", "--user-agent", "-e", "--referer", "--data-urlencode"):
            got.problems.append(f"{name} was not imported: only the chat request's headers and JSON body are.")
        elif name not in _QUIET_WITH_VALUE and name not in _QUIET_FLAGS:
            got.problems.append(f"The option {name} was not imported.")
    for p in positional:
        if got.url is None and (p.startswith(("http://", "https://")) or variable_in(p.split("/", 1)[0])):
            got.url = p
        else:
            got.problems.append(f"The word {p!r} was not imported.")
    return got


def _data_value(value: str, stdin: str | None) -> str:
    if value == "@-":
        if stdin is None:
            raise CurlImportError(
                "The body is read from standard input (@-), but the paste has no here-document or pipe "
                "that gives it; paste the JSON instead."
            )
        return stdin
    if value.startswith("@"):
        raise CurlImportError(
            f"The body is read from a file ({value}), which cannot be imported; paste the JSON instead."
        )
    return value


def _program(cmd: Command) -> str:
    """How to name a left-out command without repeating its arguments (they may hold a secret)."""
    words = _words(cmd)[1] or cmd.words
    name = words[0] if words else "<<"
    return f"`{name} …`" if len(words) > 1 else f"`{name}`"


def _words(cmd: Command) -> tuple[dict[str, str], list[str]]:
    """A command's leading `NAME=value` assignments, and its words without them or a copied `$ ` prompt."""
    words = cmd.words[1:] if cmd.words[:1] == ["$"] else cmd.words
    assigned: dict[str, str] = {}
    while words and (m := _ASSIGNMENT.match(words[0])):
        assigned[m.group(1)] = m.group(2)
        words = words[1:]
    if words[:1] == ["export"]:  # `export A=b C=d`: assignments too, and nothing else runs
        assigned |= {m.group(1): m.group(2) for w in words[1:] if (m := _ASSIGNMENT.match(w))}
    return assigned, words


def _pick_curl(cmds: list[Command]) -> tuple[Command, dict[str, str], list[str]]:
    """The curl command, the variables the paste assigns before it, and what was left out."""
    n, cmd = next(((n, c) for n, c in enumerate(cmds) if _words(c)[1][:1] == ["curl"]), (-1, Command()))
    if n < 0:
        raise CurlImportError("This is not a curl command; paste one that starts with `curl`.")
    assigned, rest = _words(cmd)
    variables: dict[str, str] = {}
    for before in cmds[:n]:
        variables |= _words(before)[0]
    variables |= assigned
    curl = Command(rest, cmd.stdin, cmd.redirects, cmd.then)
    if n and cmds[n - 1].then == "|":  # `echo '{…}' | curl -d @-` or `cat <<EOF | curl -d @-`
        feeder = cmds[n - 1]
        if feeder.words[:1] == ["echo"]:
            curl.stdin = " ".join(w for w in feeder.words[1:] if w not in ("-n", "-e")) + "\n"
        elif feeder.words == ["cat"] and feeder.stdin is not None:
            curl.stdin = feeder.stdin
    return curl, variables, _left_out(cmds, n)


def _left_out(cmds: list[Command], n: int) -> list[str]:
    problems: list[str] = []
    before = [c for c in cmds[:n] if _words(c)[1][:1] not in ([], ["export"])]
    if before:
        names = ", ".join(_program(c) for c in before)
        problems.append(f"The command(s) before curl ({names}) were left out; only the curl command was imported.")
    after = cmds[n + 1 :]
    if after and cmds[n].then == "|":
        problems.append(f"The pipe into {_program(after[0])} was left out; only the curl command was imported.")
        after = after[1:]
    if after:
        names = ", ".join(_program(c) for c in after)
        problems.append(f"The command(s) after curl ({names}) were left out; only the curl command was imported.")
    if cmds[n].redirects:
        problems.append(f"The redirection ({', '.join(cmds[n].redirects)}) was left out.")
    return problems


def _expand(text: str, variables: Mapping[str, str]) -> str:
    """`$NAME` and `${NAME}` replaced where the paste itself assigned NAME (as bash would)."""
    return _VAR_USE.sub(lambda m: variables.get(m.group(1), m.group(0)), text) if variables else text


def _provider_for(base_url: str, providers: Mapping[str, Provider]) -> str:
    for p in providers.values():
        if p.id != "custom" and p.base_url.rstrip("/") == base_url:
            return p.id
    return "custom"


def _message(raw: Any, n: int, problems: list[str]) -> Message | None:
    if not isinstance(raw, dict) or raw.get("role") not in ROLES:
        problems.append(f"Message {n} has no known role (system, user, assistant, tool) and was not imported.")
        return None
    content = raw.get("content")
    if isinstance(content, list):  # content parts: text is kept, anything else is named
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        others = sorted({str(p.get("type")) for p in content if not (isinstance(p, dict) and p.get("type") == "text")})
        if others:
            problems.append(f"Message {n} has {', '.join(others)} parts, which cannot be imported; its text was.")
        content = "\n".join(texts)
    elif content is None:
        content = ""
    elif not isinstance(content, str):
        problems.append(f"Message {n}'s content is not text and was imported as JSON text.")
        content = json.dumps(content)
    extra = sorted(set(raw) - {"role", "content", "name", "tool_call_id", "tool_calls"})
    if extra:
        problems.append(f"Message {n}'s field(s) {', '.join(extra)} cannot be imported.")
    return Message(raw["role"], content, raw.get("name"), raw.get("tool_call_id"), raw.get("tool_calls"))


@dataclass
class _Target:
    """Where the command sends its request: base URL, provider, and an Azure deployment if any."""

    base_url: str
    query: list[tuple[str, str]]
    azure: bool = False
    deployment: str | None = None


def _target(url: str) -> _Target:
    """The base URL and query of a chat-completions URL, or a sentence saying what is wrong."""
    if not url.startswith(("http://", "https://")):
        head = url.split("/", 1)[0]
        if variable_in(head):
            raise CurlImportError(
                f"The URL starts with {head}, a variable the paste does not set; write the address itself "
                "(https://…) and paste again."
            )
        raise CurlImportError("The command has no http:// or https:// URL; paste the whole command.")
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith(CHAT_PATH):
        raise CurlImportError(f"{url} is not a chat-completions URL (…{CHAT_PATH}); only chat requests import.")
    base_path = path[: -len(CHAT_PATH)]
    base_url = urlunsplit((parts.scheme, parts.netloc, base_path, "", ""))
    query = parse_qsl(parts.query, keep_blank_values=True)
    deployment = re.search(r"/openai/deployments/([^/]+)$", base_path)
    host = (parts.hostname or "").lower()
    azure = bool(deployment) or (host.endswith(AZURE_HOSTS) and base_path.endswith("/openai/v1"))
    return _Target(base_url, query, azure, unquote(deployment.group(1)) if deployment else None)


def _azure_version(target: _Target) -> None:
    """An Azure deployments URL needs its api-version: refuse, naming it, when it is missing."""
    if target.deployment is None:
        return
    version = dict(target.query).get("api-version")
    if version is None:
        raise CurlImportError(
            "This Azure OpenAI command has no api-version in its URL; add one "
            "(…/chat/completions?api-version=2024-10-21) and paste again."
        )
    if is_placeholder(version):
        raise CurlImportError(
            f"This Azure OpenAI command's api-version is a placeholder ({version}); put in a version "
            "such as 2024-10-21 and paste again."
        )


@dataclass
class _Auth:
    """What the headers say about the key and the setup."""

    key: str | None = None
    placeholder: str | None = None  # the docs' stand-in for the key, e.g. `$OPENAI_API_KEY`
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "
    headers: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretHeader] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)  # values to mask in the shown command
    hidden_dropped: list[str] = field(default_factory=list)  # credentials left out, masked too
    problems: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # browser headers
    unset: list[tuple[str, str]] = field(default_factory=list)  # plain headers with placeholder values


def _take_key(auth: _Auth, token: str) -> None:
    if is_placeholder(token):
        auth.placeholder = token
    else:
        auth.key = token
        auth.hidden.append(token)


def _read_headers(headers: list[tuple[str, str]], azure: bool, variables: Mapping[str, str]) -> _Auth:
    """Sort the command's headers into the key, credential headers, plain setup headers and the rest."""
    auth = _Auth()
    for name, raw in headers:
        value, lower = _expand(raw, variables), name.lower()
        if not name or not valid_name(name):
            auth.problems.append(f"The header {name!r} is not a valid header name and was not imported.")
        elif lower in ("content-type", "accept") or lower.startswith("sec-") or not value:
            if lower not in ("content-type", "accept") and value:
                auth.dropped.append(name)
        elif lower in _TRANSPORT:
            auth.dropped.append(name)
            if is_secret(name, value):  # a browser's cookie: not imported, and not shown back either
                auth.hidden_dropped.append(value)
        elif lower == "authorization" and not (azure and auth.auth_header == "api-key"):
            scheme, token = split_scheme(value)
            if scheme.lower() == "bearer ":
                _take_key(auth, token)
            else:
                auth.problems.append("The Authorization header is not a Bearer key and was not imported.")
        elif azure and lower == "api-key":
            auth.auth_header, auth.auth_prefix = "api-key", ""
            _take_key(auth, value)
        elif not valid_value(value):
            auth.problems.append(f"The header {name}'s value has characters a header cannot carry; left out.")
        elif is_secret(name, value):
            _secret_header(auth, name, value)
        elif is_placeholder(value):
            auth.unset.append((name, value))
        else:
            auth.headers[name] = value
    return auth


def _secret_header(auth: _Auth, name: str, value: str) -> None:
    prefix, token = split_scheme(value)
    if is_placeholder(token):
        var = variable_in(token)
        auth.secrets[name] = SecretHeader(name, var or env_name(name), prefix)
        auth.problems.append(
            f"The {name} header has a placeholder value; type its value under Custom headers in the sidebar "
            "(it is kept for this session only)."
        )
    else:
        auth.secrets[name] = SecretHeader(name, env_name(name), prefix, Secret(token))
        auth.hidden.append(token)


def _header_sentences(auth: _Auth) -> list[str]:
    out = list(auth.problems)
    if auth.dropped:
        out.append(f"Headers a browser or curl sets itself were left out: {', '.join(auth.dropped)}.")
    if auth.unset:
        names = " and ".join(n for n, _ in auth.unset)
        values = ", ".join(v for _, v in auth.unset)
        out.append(
            f"The header(s) {names} have placeholder values ({values}) and were left out; add them with your "
            "own values under Custom headers in the sidebar."
        )
    return out


def _key_sentence(auth: _Auth, provider: Provider | None, custom: bool) -> list[str]:
    """One sentence when the command's key is a placeholder the app will not fill by itself."""
    if auth.placeholder is None:
        return []
    var = variable_in(auth.placeholder)
    if provider is not None and var is not None and var == provider.key_env:
        return []  # the app reads that same variable for this provider
    where = (
        "" if custom or provider is None or not provider.key_env else f" (or set {provider.key_env} in the environment)"
    )
    return [
        f"The command has a placeholder key ({auth.placeholder}), not a key: type your key in the API key field{where}."
    ]


def _body(data: list[str]) -> dict[str, Any]:
    if not data:
        raise CurlImportError("The command has no JSON body (-d, --data-raw or --json); paste the whole command.")
    try:
        body = json.loads("&".join(data))  # curl joins several -d with '&'
    except json.JSONDecodeError as exc:
        raise CurlImportError(
            f"The body is not valid JSON ({exc.msg} at line {exc.lineno}); fix it and paste again."
        ) from None
    if not isinstance(body, dict):
        raise CurlImportError('The body is not a JSON object; a chat request\'s body is {"model": …, "messages": …}.')
    return body


def _placeholders_in_url(target: _Target) -> list[str]:
    parts = urlsplit(target.base_url)
    host = parts.netloc.rsplit("@", 1)[-1].split(":")[0]  # as written: `hostname` lowercases it
    segments = [*host.split("."), *parts.path.split("/")]
    found = [unquote(s) for s in segments if s and is_placeholder(unquote(s))]
    if not found:
        return []
    return [f"The URL has placeholders ({', '.join(found)}); put in your own in the Base URL field."]


def placeholder_model(model: str) -> bool:
    """A model id from docs that stands for yours: `VAR_chat_model_id`, `<model>`, `your-model-name`."""
    return is_placeholder(model) or model.upper().startswith("VAR_")


def import_curl(text: str, providers: Mapping[str, Provider]) -> Imported:
    """Read a pasted cURL command; raises CurlImportError (one sentence) when it is not a chat request."""
    too_long = limits.curl_too_long(len(text))
    if too_long:
        raise CurlImportError(too_long)
    try:
        curl, variables, problems = _pick_curl(commands(text.strip()))
    except ShellSyntaxError as exc:
        raise CurlImportError(str(exc)) from None
    got = _read_curl(curl.words[1:], curl.stdin)
    problems = got.problems + problems
    if not got.url:
        raise CurlImportError("The command has no http:// or https:// URL; paste the whole command.")
    target = _target(_expand(got.url, variables))
    if got.method not in (None, "POST"):
        raise CurlImportError(f"A chat request is a POST, not {got.method}; fix -X and paste again.")
    _azure_version(target)
    auth = _read_headers(got.headers, target.azure, variables)
    body = _body(got.data)
    model = body.pop("model", None) or target.deployment
    raw_messages = body.pop("messages", None)
    if not isinstance(model, str) or not model:
        raise CurlImportError('The body has no "model"; add one and paste again.')
    if not isinstance(raw_messages, list):
        raise CurlImportError('The body has no "messages" list; add one and paste again.')
    messages = [m for i, raw in enumerate(raw_messages, 1) if (m := _message(raw, i, problems))]
    provider_id = "custom" if target.azure else _provider_for(target.base_url, providers)
    provider = providers.get(provider_id)
    extras = _extras(target, auth, problems)
    problems += _header_sentences(auth) + _key_sentence(auth, provider, provider_id == "custom" or target.azure)
    problems += _placeholders_in_url(target)
    if placeholder_model(model):
        problems.append(f'The model "{model}" looks like a placeholder; pick or type a model in the sidebar.')
    if (
        body.get("stream")
        and body.get("stream_options") == {"include_usage": True}
        and provider
        and provider.stream_usage
    ):
        del body["stream_options"]  # the app asks for usage itself on this provider
    unknown = [k for k in body if k not in OPENAI_FIELDS]
    if unknown:
        problems.append(f"Not standard chat-completions fields, kept as extra parameters: {', '.join(unknown)}.")
    return Imported(provider_id, target.base_url, model, messages, body, auth.key, problems, _shown(text, auth), extras)


def _shown(text: str, auth: _Auth) -> str:
    """The command as pasted, with the key and every credential value replaced by a marker."""
    marks = {v: LEFT_OUT for v in auth.hidden_dropped} | {v: SECRET_REMOVED for v in auth.hidden}
    if auth.key:
        marks[auth.key] = KEY_REMOVED
    for secret in sorted(marks, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(secret, marks[secret])
    return text


def _extras(target: _Target, auth: _Auth, problems: list[str]) -> Extras:
    """The setup the command implies: its headers, credential headers, query and key placement."""
    query: list[tuple[str, str]] = []
    for name, value in target.query:
        if is_secret(name, value) or name.lower() in ("key", "api_key", "api-key", "token", "access_token"):
            problems.append(
                f"The URL's {name} parameter looks like a key and was left out; type it in the API key field."
            )
        else:
            query.append((name, value))
    return Extras(
        headers=tuple(auth.headers.items()),
        secret_headers=tuple(auth.secrets.values()),
        query=tuple(query),
        auth_header=auth.auth_header,
        auth_prefix=auth.auth_prefix,
        key_env=AZURE_KEY_ENV if target.azure else None,
        label="Azure OpenAI" if target.azure else None,
    )
