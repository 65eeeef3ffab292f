"""Images: checked and kept beside the store, sent as `image_url` data URLs in a valid content array,
and read from files next to the script by every snippet, which still sends the app's own body."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from lib import images
from lib.conversation import ChatMessage, request_messages
from lib.providers import Provider
from lib.request import ChatRequest, to_http
from lib.snippets import LANGUAGES, render
from tests.support.stand_in import StandIn
from tests.unit.test_snippets import SECRET, pairs, run_snippet


def picture(fmt: str, size: tuple[int, int] = (8, 6), color: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"),
                                                 ("WEBP", "image/webp"), ("GIF", "image/gif")])  # fmt: skip
def test_each_accepted_format_is_kept_beside_the_store(fmt: str, media_type: str, home: Path) -> None:
    data = picture(fmt)
    record = images.attach(f"cat.{fmt.lower()}", data)
    assert record["media_type"] == media_type and record["size"] == len(data)
    assert images.path_of(record).parent == home / "images" and images.read(record) == data
    assert images.attach("again", data)["sha256"] == record["sha256"]  # kept once
    assert len(list((home / "images").iterdir())) == 1


def test_an_over_size_file_is_refused_in_one_sentence(home: Path) -> None:
    big = picture("PNG") + b"\0" * images.MAX_BYTES
    with pytest.raises(images.ImageError) as refused:
        images.attach("huge.png", big)
    assert str(refused.value) == "huge.png is 5.0 MB, over the 5 MB limit for an image; attach a smaller one."
    assert not (home / "images").exists()


def test_a_file_that_is_not_an_image_is_refused(home: Path) -> None:
    with pytest.raises(images.ImageError, match=r"^notes.png is not a PNG, JPEG, WebP or GIF image; attach one"):
        images.attach("notes.png", b"just text")


def two_image_request(provider: Provider, stream: bool = False) -> ChatRequest:
    png = images.attach("a.png", picture("PNG", color="red"))
    jpg = images.attach("b.jpg", picture("JPEG", (12, 9), "blue"))
    question = ChatMessage(1, "user", "What differs between these two?", attachments=[png, jpg])
    return ChatRequest(provider, "gpt-oss-120b", request_messages([question], "Be brief.", {}), {"stream": stream})


def test_two_images_make_a_valid_content_array(home: Path, oxen: Provider, request_validator: Any) -> None:
    body = to_http(two_image_request(oxen)).body
    assert body is not None
    request_validator.validate(body)
    content = body["messages"][1]["content"]
    assert [p["type"] for p in content] == ["text", "image_url", "image_url"]
    assert content[0]["text"] == "What differs between these two?"
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")
    assert content[2]["image_url"]["url"].startswith("data:image/jpeg;base64,/9j/")


def test_a_message_whose_image_file_is_gone_is_sent_with_its_text(home: Path, oxen: Provider) -> None:
    request = two_image_request(oxen)
    assert request.messages[1].images
    shutil.rmtree(home / "images")
    again = ChatMessage(1, "user", "hi", attachments=[images.attach("c.png", picture("PNG"))])
    shutil.rmtree(home / "images")
    [user] = request_messages([again], "", {})
    assert user.to_json() == {"role": "user", "content": "hi"}


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_snippets_read_the_images_from_files_and_send_the_apps_body(
    language: str, stream: bool, home: Path, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    if language == "javascript" and not shutil.which("node"):
        pytest.fail("node is needed to run the JavaScript snippet")
    wire = to_http(two_image_request(oxen, stream))
    code = render(wire, language)
    assert "base64," not in code.replace("data:${type};base64,", "").replace('base64,{data}"', "").replace(
        ";base64,", ""
    ), "base64 pasted into the code"
    assert "image-1.png" in code and "image-2.jpg" in code and SECRET not in code
    assert len(code) < 3000
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    for name, data in images.files_for(wire.body).items():
        (run_dir / name).write_bytes(data)
    done = run_snippet(code, language, run_dir)
    assert done.returncode == 0, done.stderr
    [received] = stand_in.chat_requests()
    if language == "openai":
        assert dict(pairs(received.body)) == dict(pairs(json.dumps(wire.body)))  # type: ignore[arg-type]
    else:
        js = language == "javascript"
        assert pairs(received.body, js) == pairs(json.dumps(wire.body), js)


def test_a_big_image_still_runs_from_the_shell(home: Path, stand_in: StandIn, oxen: Provider, tmp_path: Path) -> None:
    """A 1 MB image is more than one command-line argument may hold (128 KB): the shell snippets pipe
    the body through printf, a builtin, instead."""
    noise = Image.frombytes("RGB", (600, 600), os.urandom(600 * 600 * 3))
    buf = io.BytesIO()
    noise.save(buf, format="PNG")
    record = images.attach("noise.png", buf.getvalue())
    assert record["size"] > 1_000_000
    sent = request_messages([ChatMessage(1, "user", "look", attachments=[record])], "", {})
    wire = to_http(ChatRequest(oxen, "m", sent, {}))
    for name, data in images.files_for(wire.body).items():
        (tmp_path / name).write_bytes(data)
    for language in ("curl", "httpie"):
        stand_in.reset()
        done = run_snippet(render(wire, language), language, tmp_path)
        assert done.returncode == 0, done.stderr
        [received] = stand_in.chat_requests()
        assert received.json() == wire.body


def test_history_keeps_images_as_files_and_the_request_without_base64(home: Path, oxen: Provider) -> None:
    from lib.store import LOCAL_OWNER, open_store
    from lib.store.export import conversation_json

    store = open_store(f"sqlite:///{home / 'workbench.db'}", interrupt=False)
    try:
        request = two_image_request(oxen)
        png = images.attach("a.png", picture("PNG", color="red"))  # the same files two_image_request kept
        jpg = images.attach("b.jpg", picture("JPEG", (12, 9), "blue"))
        conversation = store.create_conversation(LOCAL_OWNER)
        store.add_message(LOCAL_OWNER, conversation.id, "user", "What differs?", attachments=[png, jpg])
        wire = to_http(request)
        writer = store.start_run(LOCAL_OWNER, conversation.id, wire, provider="oxen")
        writer.stop("complete")
        user, run = store.thread(LOCAL_OWNER, conversation.id)
        assert user.to_chat_message().attachments == [png, jpg]
        assert run.request is not None and "base64" not in json.dumps(run.request)
        assert run.request["body"]["messages"][1]["content"][1]["image_url"]["url"] == (
            f"workbench-image:image/png:{png['sha256']}"
        )
        restored = run.http_request()
        assert restored is not None and restored.body == wire.body  # the snippets get the images back
        exported = conversation_json(store.get_conversation(LOCAL_OWNER, conversation.id), [user, run])
        assert "base64" not in json.dumps(exported)
    finally:
        store.close()
