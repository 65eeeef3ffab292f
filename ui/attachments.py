"""Images in the Playground: the chat input takes files (a paperclip) when the model card says the
model takes images, or when "Attach images" is on; each file is checked and kept beside the store,
and the message holds only its record. Thumbnails are drawn from the files."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import images
from ui import keys

TOGGLE = "playground_images_on"  # "Attach images" for a model whose card does not say it takes them


def offered(model_info: dict[str, Any] | None) -> bool:
    return images.model_takes_images(model_info) or bool(st.session_state.get(TOGGLE))


def toggle(model_info: dict[str, Any] | None) -> None:
    """In the side panel: the way to images for a model whose card does not list them."""
    if images.model_takes_images(model_info):
        st.caption(":material/image: This model takes images: attach them with the chat input's clip. "
                   + images.limit_text())  # fmt: skip
        return
    changed = "playground_images_changed"
    st.toggle("Attach images", key=TOGGLE, on_change=lambda: st.session_state.update({changed: True}),
              help="The model card does not say this model takes images; it may refuse them. "
              + images.limit_text())  # fmt: skip
    if st.session_state.pop(changed, False):
        st.rerun()  # drawn in the side panel's fragment: the whole page, so the chat input takes files


def chat_input_args(model_info: dict[str, Any] | None) -> dict[str, Any]:
    """The chat input's file arguments: images only, several per message, when offered."""
    if not offered(model_info):
        return {}
    return {"accept_file": "multiple", "file_type": list(images.EXTENSIONS)}


def received(value: Any) -> tuple[str, list[dict[str, Any]]]:
    """The text and the kept images of what the chat input sent; a refused file is said once, in one
    sentence, and the message goes with the others."""
    if isinstance(value, str):
        return value, []
    text = str(value.get("text") or "")
    records: list[dict[str, Any]] = []
    refused: list[str] = []
    for upload in list(value.get("files") or ())[: images.MAX_IMAGES + 1]:
        try:
            if len(records) == images.MAX_IMAGES:
                raise images.ImageError(f"Only {images.MAX_IMAGES} images go with one message; the rest were left out.")
            records.append(images.attach(upload.name, upload.getvalue()))
        except images.ImageError as exc:
            refused.append(str(exc))
        except OSError:
            refused.append(f"{upload.name} could not be kept beside the history store; try again.")
    if refused:
        st.session_state[keys.NOTICE] = " ".join(refused)
    return text, records


def thumbnails(attachments: list[dict[str, Any]]) -> None:
    """The message's images, small, with their names (a file that is gone is named)."""
    shown = [(images.read(a), a) for a in attachments]
    present = [(data, a) for data, a in shown if data is not None]
    if present:
        with st.container(horizontal=True, key=None):
            for data, a in present:
                st.image(data, width=96, caption=a.get("name"))
    gone = [a.get("name", "an image") for data, a in shown if data is None]
    if gone:
        st.caption(f"Image file no longer beside the store: {', '.join(gone)}.")
