"""Request code in five forms, all written from `to_http()`, so each is the request the app sends.

The key and every credential header (`Helicone-Auth`) are read from environment variables, never
written into the code; the setup's other headers and query parameters (Azure's `api-version`) are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from lib.images import data_urls, file_name
from lib.request import HttpRequest


@dataclass(frozen=True)
class Language:
    label: str  # the tab
    code_language: str  # for st.code's highlighting
    extension: str  # for the download


def shell_quote(text: str) -> str:
    """Single-quote for bash: safe for quotes, newlines, `$`, backticks and any Unicode."""
    return "'" + text.replace("'", "'\\''") + "'"


def _json(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


def _streaming(req: HttpRequest) -> bool:
    return bool(req.body and req.body.get("stream"))


def _tools(req: HttpRequest) -> bool:
    """The request defines tools: the answer may be calls, which the code prints (not `None`)."""
    return bool(req.body and req.body.get("tools"))


class Credential(NamedTuple):
    """A header whose value a snippet reads from the environment: `name: prefix$env`."""

    name: str
    prefix: str
    env: str


def credentials(req: HttpRequest) -> list[Credential]:
    """Credential headers, then the key, each read from its variable; never their values."""
    out = [Credential(h.name, h.prefix, h.env) for h in req.secret_headers]
    if req.key_env:
        out.append(Credential(req.auth_header, req.auth_prefix, req.key_env))
    return out


# Text that reads the same inside bash double quotes, a Python f-string and a JS template literal.
_PLAIN = re.compile(r"^[A-Za-z0-9 ._:/=+,;@-]*$")


def _shell_credential(c: Credential, sep: str) -> str:
    """`"Name: prefix$ENV"` for bash: the variable expands, the rest is literal."""
    head = f"{c.name}{sep}{c.prefix}"
    return f'"{head}${c.env}"' if _PLAIN.match(head) else f'{shell_quote(head)}"${c.env}"'


class _Image(NamedTuple):
    """An image a snippet reads from a file next to it, in place of its data URL in the body."""

    marker: str  # how the placeholder string is written in JSON (and Python) text, quotes included
    file: str
    media_type: str
    var: str  # the shell variable holding its base64


def _images(req: HttpRequest) -> tuple[HttpRequest, list[_Image]]:
    """The request with each image data URL replaced by a placeholder, and the images: snippets read
    them from files (lib.images.files_for writes them), never paste a megabyte of base64 into code."""
    urls = data_urls(req.body)
    if not urls:
        return req, []
    images, placeholder = [], {}
    for i, url in enumerate(urls, 1):
        media_type = url.removeprefix("data:").split(";")[0]
        name = file_name(i, media_type)
        placeholder[url] = f"\x00{name}\x00"  # a control character: never in a real body's text
        images.append(_Image(json.dumps(placeholder[url]), name, media_type, f"IMAGE_{i}"))

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return placeholder.get(value, value) if isinstance(value, str) else value

    return replace(req, body=swap(req.body)), images


def _shell_body(text: str, images: list[_Image]) -> tuple[list[str], str]:
    """Lines reading each image's base64 into a variable, and `printf` arguments writing the body
    (a builtin: no limit on the size of its arguments, unlike curl's own)."""
    reads = [f"{i.var}=\"$(base64 < {shell_quote(i.file)} | tr -d '\\n')\"" for i in images]
    args = []
    for image in images:
        before, text = text.split(image.marker, 1)
        args += [shell_quote(before + f'"data:{image.media_type};base64,'), f'"${image.var}"']
        text = '"' + text
    args.append(shell_quote(text))
    return ["# The images are read from the files next to this script (run it from its folder).", *reads], (
        "printf '%s' " + " ".join(args)
    )


def curl(req: HttpRequest) -> str:
    req, images = _images(req)
    lines = [f"curl{' -N' if _streaming(req) else ''} -X {req.method} {shell_quote(req.url)}"]
    lines += [f"-H {shell_quote(f'{k}: {v}')}" for k, v in req.headers.items()]
    lines += [f"-H {_shell_credential(c, ': ')}" for c in credentials(req)]
    if images:
        reads, printf = _shell_body(_json(req.body), images)
        return "\n".join(reads) + f"\n{printf} |\n" + " \\\n  ".join([*lines, "--data-binary @-"])
    if req.body is not None:
        lines.append(f"-d {shell_quote(_json(req.body))}")
    return " \\\n  ".join(lines)


def httpie(req: HttpRequest) -> str:
    req, images = _images(req)
    parts = [f"http{' --stream' if _streaming(req) else ''} {req.method} {shell_quote(req.url)}"]
    parts += [shell_quote(f"{k}:{v}") for k, v in req.headers.items()]
    parts += [_shell_credential(c, ":") for c in credentials(req)]
    code = " \\\n  ".join(parts)
    if images:  # HTTPie sends stdin as the body, as is
        reads, printf = _shell_body(_json(req.body), images)
        return "\n".join(reads) + f"\n{printf} |\n" + code
    if req.body is not None:
        code += f" \\\n  <<< {shell_quote(_json(req.body))}"  # HTTPie sends stdin as the body, as is
    return code


_PY_IMAGE = [
    "",
    "",
    "def image_url(name, media_type):",
    '    """An image next to this script, as a data URL."""',
    "    data = base64.b64encode((Path(__file__).parent / name).read_bytes()).decode()",
    '    return f"data:{media_type};base64,{data}"',
    "",
    "",
    "",
]


def _py_images(code: str, images: list[_Image], before: str) -> str:
    """Python code reading its images from files: the imports, `image_url()` before the line that
    starts with `before`, and a call in place of each placeholder."""
    if not images:
        return code
    for image in images:
        code = code.replace(image.marker, f"image_url({_py(image.file)}, {_py(image.media_type)})")
    head, _, rest = code.partition("\n" + before)
    lines = [line for line in head.split("\n") if line]
    stdlib = [line for line in lines if line in ("import json", "import os")] + ["import base64"]
    others = [line for line in lines if line not in stdlib]  # the third-party imports: requests, openai
    imports = [*sorted(stdlib, key=lambda line: line.split()[1]), "from pathlib import Path", "", *others, ""]
    return "\n".join(imports) + "\n".join(_PY_IMAGE) + before + rest


def _py(value: Any, level: int = 0) -> str:
    """A Python literal laid out like indented JSON (True/False/None, not JSON's true/false/null)."""
    pad, inner = "    " * level, "    " * (level + 1)
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_py(v, level + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and value:
        return "[\n" + "\n".join(f"{inner}{_py(v, level + 1)}," for v in value) + f"\n{pad}]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string or number is a valid Python literal


def _py_credential(c: Credential) -> str:
    """The Python expression for a credential's value, read from the environment."""
    read = f"os.environ[{_py(c.env)}]"
    if not c.prefix:
        return read
    if _PLAIN.match(c.prefix):
        return f"f{_py(c.prefix + '{' + read.replace(chr(34), chr(39)) + '}')}"
    return f"{_py(c.prefix)} + {read}"


def python_requests(req: HttpRequest) -> str:
    req, images = _images(req)
    return _py_images(_python_requests(req), images, "url = ")


def _python_requests(req: HttpRequest) -> str:
    creds = credentials(req)
    out = ["import json" if _streaming(req) else "", "import os" if creds else "", "", "import requests", ""]
    out = [line for i, line in enumerate(out) if line or (i > 1 and out[i - 1])]
    out.append(f"url = {_py(req.url)}")
    out.append("headers = {")
    out += [f"    {_py(k)}: {_py(v)}," for k, v in req.headers.items()]
    out += [f"    {_py(c.name)}: {_py_credential(c)}," for c in creds]
    out.append("}")
    if req.body is None:
        out += ["", "response = requests.get(url, headers=headers)", "response.raise_for_status()",
                "print(json.dumps(response.json(), indent=2))"]  # fmt: skip
        out.insert(0, "import json")
        return "\n".join(out) + "\n"
    out.append(f"payload = {_py(req.body)}")
    out.append("")
    if _streaming(req):
        out += [
            "with requests.post(url, headers=headers, json=payload, stream=True) as response:",
            "    response.raise_for_status()",
            "    for line in response.iter_lines(decode_unicode=True):",
            '        if not line.startswith("data: ") or line == "data: [DONE]":',
            "            continue",
            '        for choice in json.loads(line[6:]).get("choices", []):',
            '            print(choice.get("delta", {}).get("content") or "", end="", flush=True)',
        ]
        if _tools(req):  # each call's name when it starts, then its arguments as they stream
            out += [
                '            for call in choice.get("delta", {}).get("tool_calls") or []:',
                '                function = call.get("function") or {}',
                '                if function.get("name"):',
                '                    print(f"\\n{function[\'name\']} ", end="")',
                '                print(function.get("arguments") or "", end="", flush=True)',
            ]
        out.append("print()")
    elif _tools(req):
        out += [
            "response = requests.post(url, headers=headers, json=payload)",
            "response.raise_for_status()",
            'message = response.json()["choices"][0]["message"]',
            'print(message.get("content") or "")',
            'for call in message.get("tool_calls") or []:',
            '    print(call["function"]["name"], call["function"]["arguments"])',
        ]
    else:
        out += [
            "response = requests.post(url, headers=headers, json=payload)",
            "response.raise_for_status()",
            'print(response.json()["choices"][0]["message"]["content"])',
        ]
    return "\n".join(out) + "\n"


# Arguments the openai SDK's `chat.completions.create` takes by name; the rest go in extra_body.
_SDK_ARGS = {
    "model", "messages", "temperature", "max_tokens", "stream", "top_p", "frequency_penalty",
    "presence_penalty", "stop", "seed", "response_format", "reasoning_effort", "tools", "tool_choice",
    "stream_options", "n", "logprobs", "top_logprobs", "user", "max_completion_tokens", "logit_bias",
    "parallel_tool_calls", "metadata", "store", "modalities", "service_tier", "verbosity", "prediction",
}  # fmt: skip


def _sdk_client(req: HttpRequest, base: str, query: dict[str, str]) -> list[str]:
    """The import and the client: `OpenAI`, or `AzureOpenAI` when the key goes in `api-key` with an
    `api-version`; the setup's headers go in `default_headers`, its query in `default_query`."""
    key = Credential(req.auth_header, req.auth_prefix, req.key_env) if req.key_env else None
    headers = {k: _py(v) for k, v in req.headers.items() if k.lower() not in ("content-type", "accept")}
    headers |= {h.name: _py_credential(Credential(h.name, h.prefix, h.env)) for h in req.secret_headers}
    names = ["OpenAI"]
    args = {"base_url": _py(base)}
    if key and key.name.lower() == "api-key" and not key.prefix and "api-version" in query:
        names = ["AzureOpenAI"]
        args |= {"api_version": _py(query.pop("api-version")), "api_key": _py_credential(key)}
    elif key and key.name == "Authorization" and key.prefix == "Bearer ":
        args["api_key"] = _py_credential(key._replace(prefix=""))  # the SDK writes `Bearer ` itself
    else:
        args["api_key"] = '"not-needed"'
        if key:  # the key goes elsewhere: send it there (the call drops the SDK's own Authorization)
            headers[key.name] = _py_credential(key)
    if headers:
        args["default_headers"] = "{\n" + "".join(f"        {_py(k)}: {v},\n" for k, v in headers.items()) + "    }"
    if query:
        args["default_query"] = _py(query, 1)
    reads_env = any("os.environ" in v for v in [*args.values(), *headers.values()])
    head = ["import os", ""] if reads_env else []  # the local model needs no key: no unused import
    head += [f"from openai import {', '.join(names)}", ""]
    if len(args) == 2:
        return [*head, f"client = {names[0]}({', '.join(f'{k}={v}' for k, v in args.items())})", ""]
    return [*head, f"client = {names[0]}(", *[f"    {k}={v}," for k, v in args.items()], ")", ""]


def _drops_authorization(req: HttpRequest) -> bool:
    """The key goes in another header (`api-key` without an api-version): each call then omits the
    SDK's own `Authorization`, as the app sends none (the SDK accepts `omit` only per request)."""
    key_elsewhere = req.key_env is not None and req.auth_header.lower() != "authorization"
    azure = req.auth_header.lower() == "api-key" and not req.auth_prefix and "api-version=" in req.url
    return key_elsewhere and not azure


def python_openai(req: HttpRequest) -> str:
    req, images = _images(req)
    return _py_images(_python_openai(req), images, "client = ")


def _python_openai(req: HttpRequest) -> str:
    parts = urlsplit(req.url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if req.body is not None:
        path, model = parts.path.rsplit("/chat/completions", 1)[0], ""
    else:
        path, _, model = parts.path.rpartition("/models/")
    out = _sdk_client(req, urlunsplit((parts.scheme, parts.netloc, path, "", "")), query)
    omit = ', extra_headers={"Authorization": omit}' if _drops_authorization(req) else ""
    if omit:
        at = next(i for i, line in enumerate(out) if line.startswith("from openai import"))
        out[at] += ", omit"
    if req.body is None:
        out += [f"model = client.models.retrieve({_py(model)}{omit})", "print(model.model_dump_json(indent=2))"]
        return "\n".join(out) + "\n"
    named = {k: v for k, v in req.body.items() if k in _SDK_ARGS}
    extra = {k: v for k, v in req.body.items() if k not in _SDK_ARGS}
    args = [f"    {k}={_py(v, 1)}," for k, v in named.items()]
    if extra:
        args.append(f"    extra_body={_py(extra, 1)},")
    if omit:
        args.append(f"    {omit.removeprefix(', ')},")
    call = "client.chat.completions.create(\n" + "\n".join(args) + "\n)"
    if _streaming(req) and _tools(req):  # each call's name when it starts, then its arguments
        out += [
            f"stream = {call}",
            "for chunk in stream:",
            "    delta = chunk.choices[0].delta if chunk.choices else None",
            "    if delta and delta.content:",
            '        print(delta.content, end="", flush=True)',
            "    for tool_call in (delta.tool_calls if delta else None) or []:",
            "        if tool_call.function and tool_call.function.name:",
            '            print(f"\\n{tool_call.function.name} ", end="")',
            '        print((tool_call.function and tool_call.function.arguments) or "", end="", flush=True)',
            "print()",
        ]
    elif _streaming(req):
        out += [
            f"stream = {call}",
            "for chunk in stream:",
            "    if chunk.choices and chunk.choices[0].delta.content:",
            '        print(chunk.choices[0].delta.content, end="", flush=True)',
            "print()",
        ]
    elif _tools(req):
        out += [
            f"response = {call}",
            "message = response.choices[0].message",
            'print(message.content or "")',
            "for tool_call in message.tool_calls or []:",
            "    print(tool_call.function.name, tool_call.function.arguments)",
        ]
    else:
        out += [f"response = {call}", "print(response.choices[0].message.content)"]
    return "\n".join(out) + "\n"


def _js_credential(c: Credential) -> str:
    read = f"process.env.{c.env}"
    if not c.prefix:
        return read
    return f"`{c.prefix}${{{read}}}`" if _PLAIN.match(c.prefix) else f"{json.dumps(c.prefix)} + {read}"


def _js_key(name: str) -> str:
    return name if re.match(r"^[A-Za-z_$][A-Za-z0-9_$]*$", name) else json.dumps(name)


_JS_IMAGE = [
    'import { readFileSync } from "node:fs";',
    "",
    "// An image next to this script, as a data URL.",
    "const imageUrl = (name, type) =>",
    '  `data:${type};base64,${readFileSync(new URL(name, import.meta.url)).toString("base64")}`;',
    "",
]


def javascript(req: HttpRequest) -> str:
    req, images = _images(req)
    code = _javascript(req)
    for image in images:
        code = code.replace(image.marker, f"imageUrl({json.dumps(image.file)}, {json.dumps(image.media_type)})")
    return "\n".join(_JS_IMAGE) + "\n" + code if images else code


def _javascript(req: HttpRequest) -> str:
    headers = [f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in req.headers.items()]
    headers += [f"    {_js_key(c.name)}: {_js_credential(c)}," for c in credentials(req)]
    out = [f"const response = await fetch({json.dumps(req.url)}, {{", f'  method: "{req.method}",', "  headers: {"]
    out += headers
    out.append("  },")
    if req.body is not None:
        body = _json(req.body).replace("\n", "\n  ")
        out.append(f"  body: JSON.stringify({body}),")
    out += ["});", "if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);"]
    if req.body is None:
        out.append("console.log(JSON.stringify(await response.json(), null, 2));")
    elif _streaming(req):
        out += [
            "const decoder = new TextDecoder();",
            'let buffer = "";',
            "for await (const bytes of response.body) {",
            "  buffer += decoder.decode(bytes, { stream: true });",
            "  const lines = buffer.split(/\\r?\\n/);",
            "  buffer = lines.pop();",
            "  for (const line of lines) {",
            '    if (!line.startsWith("data: ") || line === "data: [DONE]") continue;',
            "    for (const choice of JSON.parse(line.slice(6)).choices ?? []) {",
            '      process.stdout.write(choice.delta?.content ?? "");',
            *(
                [  # each call's name when it starts, then its arguments as they stream
                    "      for (const call of choice.delta?.tool_calls ?? []) {",
                    "        if (call.function?.name) process.stdout.write(`\\n${call.function.name} `);",
                    '        process.stdout.write(call.function?.arguments ?? "");',
                    "      }",
                ]
                if _tools(req)
                else []
            ),
            "    }",
            "  }",
            "}",
            'process.stdout.write("\\n");',
        ]
    elif _tools(req):
        out += [
            "const message = (await response.json()).choices[0].message;",
            'console.log(message.content ?? "");',
            "for (const call of message.tool_calls ?? []) console.log(call.function.name, call.function.arguments);",
        ]
    else:
        out += ["const data = await response.json();", "console.log(data.choices[0].message.content);"]
    return "\n".join(out) + "\n"


LANGUAGES: dict[str, tuple[Language, Callable[[HttpRequest], str]]] = {
    "curl": (Language("cURL", "bash", "sh"), curl),
    "python": (Language("Python", "python", "py"), python_requests),
    "openai": (Language("Python (openai)", "python", "py"), python_openai),
    "javascript": (Language("JavaScript", "javascript", "mjs"), javascript),
    "httpie": (Language("HTTPie", "bash", "sh"), httpie),
}


def render(req: HttpRequest, language: str) -> str:
    """The snippet for one language key of LANGUAGES."""
    return LANGUAGES[language][1](req)
