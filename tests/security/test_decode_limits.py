"""Decoding a photo is bounded: its decoded size by mode, and how many run at once
(issue 18, item 5). Peak memory itself is measured in bench/photo_memory.py."""

import io
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Photo
from app.photos import pipeline
from app.photos.pipeline import PhotoRejected, process_photo
from tests.photos.images import encoded, png_header


def test_a_picture_too_big_once_decoded_is_refused_before_decoding(app):
    """49 MP passes the megapixel cap, but as RGBA it would take 196 MB."""
    with app.test_request_context("/?lang=en"):
        with pytest.raises(PhotoRejected) as exc:
            process_photo(png_header(7000, 7000, color_type=6))
        assert exc.value.reason == "too_big_decoded"
        assert "too big to process (more than 150 MB once opened)" in str(exc.value.message)
    # The same size in RGB (147 MB) is under the cap: this one is refused only for having
    # no pixels at all, which a decode finds out.
    with pytest.raises(PhotoRejected) as exc:
        process_photo(png_header(7000, 7000, color_type=2))
    assert exc.value.reason == "damaged"


@pytest.fixture
def slow_decodes(monkeypatch):
    """Decoding takes `pause` seconds; `peak` is the most that ever ran at once."""
    state = {"now": 0, "peak": 0, "pause": 0.3}
    lock = threading.Lock()

    def fake_decode(_im):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(state["pause"])
        with lock:
            state["now"] -= 1
        return Image.new("RGB", (40, 30)), None

    monkeypatch.setattr(pipeline, "_decode", fake_decode)
    return state


def _limit(monkeypatch, count: int, wait: float) -> None:
    monkeypatch.setattr(pipeline, "_decodes", threading.BoundedSemaphore(count))
    monkeypatch.setattr(pipeline, "_decode_wait", wait)


def _at_once(n: int, data: bytes) -> list:
    def run(_i):
        try:
            return process_photo(data)
        except PhotoRejected as err:
            return err.reason

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_at_most_the_configured_decodes_run_at_once(monkeypatch, slow_decodes):
    _limit(monkeypatch, 2, wait=30)
    results = _at_once(6, encoded("JPEG"))
    assert slow_decodes["peak"] == 2
    assert all(not isinstance(r, str) for r in results)  # the others waited their turn


def test_an_upload_that_cannot_get_a_turn_is_told_the_server_is_busy(monkeypatch, slow_decodes):
    _limit(monkeypatch, 1, wait=0.05)
    results = _at_once(3, encoded("JPEG"))
    assert slow_decodes["peak"] == 1
    assert sorted(r if isinstance(r, str) else "done" for r in results) == [
        "busy",
        "busy",
        "done",
    ]


def test_the_config_sets_the_limit(app):
    assert app.config["PHOTO_DECODES"] == 2
    gate = pipeline._decodes
    assert all(gate.acquire(blocking=False) for _ in range(2))
    assert not gate.acquire(blocking=False)
    for _ in range(2):
        gate.release()


def test_a_busy_server_answers_the_upload_in_the_users_language(
    client, login_as, world, make_resident, make_visit, monkeypatch
):
    visit = make_visit(resident=make_resident(), worker=world.worker_a)
    gate = threading.BoundedSemaphore(1)
    gate.acquire()  # another upload is decoding
    monkeypatch.setattr(pipeline, "_decodes", gate)
    monkeypatch.setattr(pipeline, "_decode_wait", 0.05)
    login_as(world.worker_a)
    resp = client.post(
        "/photos?lang=en",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [
                (io.BytesIO(encoded("JPEG")), "a.jpg"),
                (io.BytesIO(encoded("PNG")), "b.png"),
            ],
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    assert "The server is busy with other photos. Wait a moment and send again." in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Photo)) == 0
