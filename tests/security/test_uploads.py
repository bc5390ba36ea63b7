"""Uploads through the route: what is not a photo is refused, and a photo is never HTML.

The pipeline's own checks (types by content, size and pixel caps, truncation, metadata,
HEIC) are in tests/photos/test_pipeline.py; here they are driven as an attacker would.
"""

import io
import os
import uuid

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Photo
from tests.photos.images import huge_png, noisy_jpeg

HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _jpeg_with_comment(comment: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 90, 200)).save(buf, "JPEG", comment=comment)
    return buf.getvalue()


def _upload(client, visit, data: bytes, name: str, mimetype: str = "image/jpeg"):
    return client.post(
        "/photos",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(data), name, mimetype)],
        },
        content_type="multipart/form-data",
        htmx=True,
    )


def _stored(app) -> list[str]:
    root = app.config["PHOTO_STORE"]
    return [f for d, _s, names in os.walk(root) if not d.endswith("tmp") for f in names]


@pytest.fixture
def visit(client, world, login_as, make_resident, make_visit):
    v = make_visit(resident=make_resident())
    login_as(world.worker_a)
    return v


@pytest.mark.parametrize(
    ("data", "name", "mimetype"),
    [
        pytest.param(HTML, "photo.jpg", "image/jpeg", id="html-named-jpg"),
        pytest.param(HTML, "photo.html", "text/html", id="html"),
        pytest.param(SVG, "photo.svg", "image/svg+xml", id="svg-with-script"),
        pytest.param(SVG, "photo.png", "image/png", id="svg-named-png"),
        pytest.param(b"GIF89a" + HTML, "photo.gif", "image/gif", id="gif-html-polyglot"),
        pytest.param(noisy_jpeg()[:20_000], "cut.jpg", "image/jpeg", id="truncated"),
        pytest.param(huge_png((20000, 20000)), "bomb.png", "image/png", id="decompression-bomb"),
    ],
)
def test_what_is_not_a_photo_is_refused_and_nothing_is_kept(
    app, client, visit, data, name, mimetype
):
    resp = _upload(client, visit, data, name, mimetype)
    assert resp.status_code == 200
    assert 'class="error' in resp.text or 'role="alert"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    assert _stored(app) == []


def test_html_hidden_in_a_jpeg_is_dropped_and_the_photo_is_served_as_an_image(client, visit):
    polyglot = _jpeg_with_comment(HTML) + HTML  # in a comment segment and after the image
    resp = _upload(client, visit, polyglot, "x.html", "text/html")
    assert resp.status_code == 200
    photo = db.session.scalar(sa.select(Photo))
    assert photo is not None
    for url in (f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"):
        served = client.get(url, headers={"Accept": "text/html"})
        assert served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Disposition"].startswith("inline; filename=")
        assert served.headers["Content-Disposition"].endswith('.jpg"')
        assert "sandbox" in served.headers["Content-Security-Policy"]
        assert b"<script" not in served.data
        assert b"<html" not in served.data
        assert served.data.startswith(b"\xff\xd8")


def test_oversized_upload_is_refused_before_it_is_read_whole(app, client, visit):
    limit = app.config.get("MAX_CONTENT_LENGTH")
    assert limit, "a request size cap stops a huge body before it is read"
    # The declared length alone is refused: the body is never read or spooled to disk.
    resp = client.post(
        "/photos",
        data=b"--x--",
        environ_overrides={"CONTENT_LENGTH": str(limit + 1)},
        content_type="multipart/form-data; boundary=x",
    )
    assert resp.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
