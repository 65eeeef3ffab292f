"""Images attached to a message: checked (type, size), kept as files beside the store (named by their
SHA-256, so the same picture is kept once), and sent as `image_url` data URLs in a content array.

A message holds only each image's record (name, media type, sha256, size): the bytes stay in the
file, so history, a share link and session state never carry a megabyte of base64.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from lib.settings import workbench_home

MEDIA_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
EXTENSIONS = ("png", "jpg", "jpeg", "webp", "gif")
MAX_BYTES = 5 * 1024 * 1024  # per image; providers refuse larger ones (OpenAI's limit is 20 MB per request)
MAX_IMAGES = 4


class ImageError(ValueError):
    """A file that cannot be attached; its message is the one sentence the page shows."""


# The first bytes of each accepted format: the browser's media type is only the file name's say-so.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff(data: bytes) -> str | None:
    """The media type the bytes really are (PNG, JPEG, GIF, WebP), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def images_dir() -> Path:
    return workbench_home() / "images"


def path_of(attachment: dict[str, Any]) -> Path:
    return images_dir() / f"{attachment['sha256']}.{MEDIA_TYPES.get(attachment['media_type'], 'bin')}"


def limit_text() -> str:
    return f"PNG, JPEG, WebP or GIF, up to {MAX_BYTES // (1024 * 1024)} MB each, {MAX_IMAGES} per message."


def attach(name: str, data: bytes) -> dict[str, Any]:
    """Check an uploaded file and keep it beside the store; its record for the message."""
    if len(data) > MAX_BYTES:
        size = len(data) / (1024 * 1024)
        raise ImageError(
            f"{name} is {size:.1f} MB, over the {MAX_BYTES // (1024 * 1024)} MB limit for an image; "
            "attach a smaller one."
        )
    media_type = sniff(data)
    if media_type is None:
        raise ImageError(f"{name} is not a PNG, JPEG, WebP or GIF image; attach one of those.")
    sha = hashlib.sha256(data).hexdigest()
    record = {"name": name, "media_type": media_type, "sha256": sha, "size": len(data)}
    path = path_of(record)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(path)  # never a half-written image under its final name
    return record


def read(attachment: dict[str, Any]) -> bytes | None:
    try:
        return path_of(attachment).read_bytes()
    except OSError:
        return None


def data_url(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def image_parts(attachments: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """The `image_url` content parts of a message's images (a missing file is left out)."""
    parts = []
    for a in attachments or ():
        data = read(a)
        if data is not None:
            parts.append({"type": "image_url", "image_url": {"url": data_url(a["media_type"], data)}})
    return parts or None


def file_name(index: int, media_type: str) -> str:
    """The name a snippet reads an image from, next to the script: image-1.png, image-2.jpg, ..."""
    return f"image-{index}.{MEDIA_TYPES.get(media_type, 'bin')}"


def data_urls(body: Any) -> list[str]:
    """Every image data URL in a request body, in order, each once."""
    found: list[str] = []
    for message in (body or {}).get("messages") or ():
        content = message.get("content") if isinstance(message, dict) else None
        for part in content if isinstance(content, list) else ():
            url = (part.get("image_url") or {}).get("url") if isinstance(part, dict) else None
            if isinstance(url, str) and url.startswith("data:") and url not in found:
                found.append(url)
    return found


def split_data_url(url: str) -> tuple[str, bytes]:
    """(media type, bytes) of a base64 data URL."""
    head, _, payload = url.partition(",")
    return head.removeprefix("data:").split(";")[0], base64.b64decode(payload)


def files_for(body: Any) -> dict[str, bytes]:
    """The image files a snippet of this body reads, by the name it reads them under."""
    out = {}
    for i, url in enumerate(data_urls(body), 1):
        media_type, data = split_data_url(url)
        out[file_name(i, media_type)] = data
    return out


def model_takes_images(model_info: dict[str, Any] | None) -> bool:
    """Whether the model card says the model takes images: Oxen's `capabilities.input`, OpenRouter's
    `architecture.input_modalities`, or a plain `input_modalities`."""
    if not model_info:
        return False
    caps = model_info.get("capabilities")
    arch = model_info.get("architecture")
    for inputs in (
        caps.get("input") if isinstance(caps, dict) else None,
        arch.get("input_modalities") if isinstance(arch, dict) else None,
        model_info.get("input_modalities"),
    ):
        if isinstance(inputs, list) and "image" in inputs:
            return True
    return False


REFERENCE = "workbench-image:"  # a stored request's image: "workbench-image:<media type>:<sha256>"


def _map_urls(body: Any, change: Any) -> Any:
    """The body with each image part's URL passed through `change` (other values as they are)."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return body

    def part(p: Any) -> Any:
        url = (p.get("image_url") or {}).get("url") if isinstance(p, dict) and p.get("type") == "image_url" else None
        if not isinstance(url, str):
            return p
        return {**p, "image_url": {**p["image_url"], "url": change(url)}}

    def message(m: Any) -> Any:
        if isinstance(m, dict) and isinstance(m.get("content"), list):
            return {**m, "content": [part(p) for p in m["content"]]}
        return m

    return {**body, "messages": [message(m) for m in body["messages"]]}


def to_references(body: Any) -> Any:
    """A body to store: each image data URL becomes a reference to its file beside the store (kept if
    it is not there yet), so history, exports and snapshots never hold the image itself."""

    def change(url: str) -> str:
        if not url.startswith("data:"):
            return url
        try:
            media_type, data = split_data_url(url)
        except ValueError:
            return url
        sha = hashlib.sha256(data).hexdigest()
        path = path_of({"sha256": sha, "media_type": media_type})
        if not path.exists() and media_type in MEDIA_TYPES:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return f"{REFERENCE}{media_type}:{sha}"

    return _map_urls(body, change)


def from_references(body: Any) -> Any:
    """A stored body as it was sent: each reference read back into a data URL (left as it is when
    its file is gone)."""

    def change(url: str) -> str:
        if not url.startswith(REFERENCE):
            return url
        media_type, _, sha = url.removeprefix(REFERENCE).rpartition(":")
        data = read({"sha256": sha, "media_type": media_type})
        return data_url(media_type, data) if data is not None else url

    return _map_urls(body, change)
