"""Request code in five forms, all written from `to_http()`, so each is the request the app sends.

The key is always read from the provider's environment variable, never written into the code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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


def curl(req: HttpRequest) -> str:
    lines = [f"curl{' -N' if _streaming(req) else ''} -X {req.method} {shell_quote(req.url)}"]
    lines += [f"-H {shell_quote(f'{k}: {v}')}" for k, v in req.headers.items()]
    if req.key_env:
        lines.append(f'-H "Authorization: Bearer ${req.key_env}"')
    if req.body is not None:
        lines.append(f"-d {shell_quote(_json(req.body))}")
    return " \\\n  ".join(lines)


def httpie(req: HttpRequest) -> str:
    parts = [f"http{' --stream' if _streaming(req) else ''} {req.method} {shell_quote(req.url)}"]
    parts += [shell_quote(f"{k}:{v}") for k, v in req.headers.items()]
    if req.key_env:
        parts.append(f'"Authorization:Bearer ${req.key_env}"')
    code = " \\\n  ".join(parts)
    if req.body is not None:
        code += f" \\\n  <<< {shell_quote(_json(req.body))}"  # HTTPie sends stdin as the body, as is
    return code


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


def python_requests(req: HttpRequest) -> str:
    out = ["import json" if _streaming(req) else "", "import os" if req.key_env else "", "", "import requests", ""]
    out = [line for i, line in enumerate(out) if line or (i > 1 and out[i - 1])]
    out.append(f"url = {_py(req.url)}")
    out.append("headers = {")
    out += [f"    {_py(k)}: {_py(v)}," for k, v in req.headers.items()]
    if req.key_env:
        out.append(f'    "Authorization": f"Bearer {{os.environ[\'{req.key_env}\']}}",')
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
            "print()",
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


def python_openai(req: HttpRequest) -> str:
    base = req.url.rsplit("/chat/completions", 1)[0] if req.body is not None else req.url.rsplit("/models/", 1)[0]
    key = f'os.environ["{req.key_env}"]' if req.key_env else '"not-needed"'
    out = [
        "import os",
        "",
        "from openai import OpenAI",
        "",
        f"client = OpenAI(base_url={_py(base)}, api_key={key})",
        "",
    ]
    if req.body is None:
        model = req.url.rsplit("/models/", 1)[1]
        out += [f"model = client.models.retrieve({_py(model)})", "print(model.model_dump_json(indent=2))"]
        return "\n".join(out) + "\n"
    named = {k: v for k, v in req.body.items() if k in _SDK_ARGS}
    extra = {k: v for k, v in req.body.items() if k not in _SDK_ARGS}
    args = [f"    {k}={_py(v, 1)}," for k, v in named.items()]
    if extra:
        args.append(f"    extra_body={_py(extra, 1)},")
    call = "client.chat.completions.create(\n" + "\n".join(args) + "\n)"
    if _streaming(req):
        out += [
            f"stream = {call}",
            "for chunk in stream:",
            "    if chunk.choices and chunk.choices[0].delta.content:",
            '        print(chunk.choices[0].delta.content, end="", flush=True)',
            "print()",
        ]
    else:
        out += [f"response = {call}", "print(response.choices[0].message.content)"]
    return "\n".join(out) + "\n"


def javascript(req: HttpRequest) -> str:
    headers = [f"    {json.dumps(k)}: {json.dumps(v)}," for k, v in req.headers.items()]
    if req.key_env:
        headers.append(f"    Authorization: `Bearer ${{process.env.{req.key_env}}}`,")
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
            "    }",
            "  }",
            "}",
            'process.stdout.write("\\n");',
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
