"""Uploading, viewing and deleting photos through the app, as the people who use it."""

import html as html_lib
import io
import json
import os
import re
import time
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Answer, AuditEvent, ChecklistItem, Photo, Screening
from app.photos.storage import get_store
from tests.conftest import fragment_root_ids
from tests.photos.images import PDF, encoded, jpeg_segments, jpeg_with_metadata, noisy_jpeg


def _files(*blobs: tuple[bytes, str]) -> list:
    return [(io.BytesIO(data), name) for data, name in blobs]


def upload(
    client, owner_type, owner_id, files, client_uuid=None, htmx=True, headers_extra=None, **extra
):
    data = {
        "owner_type": owner_type,
        "owner_id": str(owner_id),
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "photos": files,
        **extra,
    }
    return client.post(
        "/photos",
        data=data,
        content_type="multipart/form-data",
        htmx=htmx,
        headers={"Referer": "http://localhost/visits/1", **(headers_extra or {})},
    )


def photo_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Photo))


def store_files(app) -> list[str]:
    root = app.config["PHOTO_STORE"]
    return sorted(f for _d, _s, names in os.walk(root) for f in names)


@pytest.fixture
def visit(make_resident, make_visit):
    return make_visit(resident=make_resident())


@pytest.fixture
def photo(client, login_as, world, visit):
    login_as(world.worker_a)
    upload(client, "visit", visit.id, _files((jpeg_with_metadata(), "a.jpg")))
    return db.session.scalar(sa.select(Photo))


def test_worker_uploads_several_photos_to_a_visit(app, client, login_as, world, visit):
    login_as(world.worker_a)
    resp = upload(
        client,
        "visit",
        visit.id,
        _files(
            (jpeg_with_metadata(), "IMG_1.jpg"),
            (encoded("PNG"), "IMG_2.png"),
            (encoded("WEBP"), "IMG_3.webp"),
        ),
    )

    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<html" not in html
    assert fragment_root_ids(html) == [f"photos-visit-{visit.id}"]
    assert "HX-Request" in resp.headers["Vary"]
    assert "toast" in resp.headers["HX-Trigger"]
    assert "photos-changed" not in resp.headers["HX-Trigger"]  # issue 11: nobody listened
    photos = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert len(photos) == 3
    for p in photos:
        assert (p.visit_id, p.grid_id, p.uploaded_by_id) == (
            visit.id,
            world.a1.id,
            world.worker_a.id,
        )
        assert p.answer_id is None
        assert p.hazard_id is None
        assert not p.is_rectification
        assert f"/photos/{p.id}/thumb?v={p.thumb_sha256[:12]}" in html
        assert f"/photos/{p.id}?v={p.sha256[:12]}" in html
        assert get_store().exists(p.sha256)
        assert get_store().exists(p.thumb_sha256)
    assert photos[0].captured_at is not None
    assert (photos[0].width, photos[0].height) == (200, 400)
    # The form comes back ready for the next batch, with a new client UUID.
    assert 'capture="environment"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'action="/photos"' in html
    assert not os.listdir(os.path.join(app.config["PHOTO_STORE"], "tmp"))
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("photo_added") == 3


def test_plain_upload_redirects_back_to_the_page_it_came_from(client, login_as, world, visit):
    login_as(world.worker_a)
    resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")), htmx=False)
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/visits/1"
    assert photo_count() == 1


def test_plain_upload_never_redirects_off_site(client, login_as, world, visit):
    login_as(world.worker_a)
    resp = client.post(
        "/photos",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": _files((encoded("JPEG"), "a.jpg")),
        },
        content_type="multipart/form-data",
        # Our own Origin (an old client's foreign Referer alone is refused as cross-site,
        # issue 18 item 4): the Referer still does not pick the redirect.
        headers={"Origin": "http://localhost", "Referer": "https://evil.example/x"},
    )
    assert resp.status_code == 303
    assert "evil" not in resp.headers["Location"]
    assert resp.headers["Location"].startswith("/")


def test_photo_is_served_as_a_jpeg_with_safe_headers(client, photo):
    resp = client.get(f"/photos/{photo.id}?v={photo.sha256[:12]}")
    assert resp.status_code == 200
    assert resp.mimetype == "image/jpeg"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "private, max-age=86400, immutable"
    assert resp.headers["Content-Disposition"] == f'inline; filename="photo-{photo.id}.jpg"'
    assert "sandbox" in resp.headers["Content-Security-Policy"]
    assert resp.headers["ETag"] == f'"{photo.sha256}"'
    assert jpeg_segments(resp.data)[0] == 0xE0
    assert not {0xE1, 0xE2, 0xFE} & set(jpeg_segments(resp.data))

    thumb = client.get(f"/photos/{photo.id}/thumb")
    assert thumb.status_code == 200
    assert thumb.mimetype == "image/jpeg"
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert thumb.headers["ETag"] == f'"{photo.thumb_sha256}"'
    # Without the version in the URL the browser must revalidate: ids alone may be reused.
    assert thumb.headers["Cache-Control"] == "private, no-cache"
    stale = client.get(f"/photos/{photo.id}?v={'0' * 12}")
    assert stale.headers["Cache-Control"] == "private, no-cache"
    assert len(thumb.data) < len(resp.data)

    again = client.get(f"/photos/{photo.id}", headers={"If-None-Match": f'"{photo.sha256}"'})
    assert again.status_code == 304


def test_other_pages_stay_uncached(client, photo):
    """Opening the photo cache must not open it for the pages around it."""
    resp = client.get("/photos/999999")
    assert resp.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("who", ["worker_b", "worker_a2", "secretary_b", "township_user", "admin"])
def test_photo_out_of_scope_is_404(client, login_as, world, photo, who):
    login_as(getattr(world, who))
    assert client.get(f"/photos/{photo.id}").status_code == 404
    assert client.get(f"/photos/{photo.id}/thumb").status_code == 404
    assert client.post(f"/photos/{photo.id}/delete").status_code == 404
    assert photo_count() == 1


def test_secretary_of_the_community_sees_the_photo(client, login_as, world, photo):
    login_as(world.secretary_a)
    assert client.get(f"/photos/{photo.id}").status_code == 200


def test_anonymous_user_is_sent_to_log_in(client, photo):
    assert client.post("/logout").status_code == 303
    resp = client.get(f"/photos/{photo.id}")
    assert resp.status_code in (302, 303)
    assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize("who", ["worker_b", "township_user"])
def test_upload_to_a_visit_out_of_scope_is_404(client, login_as, world, visit, who):
    login_as(getattr(world, who))
    resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")))
    assert resp.status_code == 404
    assert photo_count() == 0


@pytest.mark.parametrize(
    ("owner_type", "owner_id"), [("resident", 1), ("visit", "x"), ("", 1), ("visit", 0)]
)
def test_upload_to_something_that_cannot_have_photos_is_404(
    client, login_as, world, visit, owner_type, owner_id
):
    login_as(world.worker_a)
    assert (
        upload(client, owner_type, owner_id, _files((encoded("JPEG"), "a.jpg"))).status_code == 404
    )


def test_retried_upload_creates_nothing_new(app, client, login_as, world, visit):
    login_as(world.worker_a)
    batch = str(uuid.uuid4())
    blobs = ((encoded("JPEG"), "a.jpg"), (encoded("PNG"), "b.png"))
    first = upload(client, "visit", visit.id, _files(*blobs), client_uuid=batch)
    files_after_first = store_files(app)
    second = upload(client, "visit", visit.id, _files(*blobs), client_uuid=batch)
    assert first.status_code == second.status_code == 200
    assert photo_count() == 2
    assert store_files(app) == files_after_first
    assert "toast" in second.headers["HX-Trigger"]
    # A new batch with a new UUID is a new upload.
    upload(client, "visit", visit.id, _files((encoded("JPEG", size=(320, 240)), "c.jpg")))
    assert photo_count() == 3


def test_the_same_picture_is_kept_once_on_its_owner(
    app, client, login_as, world, visit, make_visit
):
    """The walk: a save that looked stuck over a slow link, the photo chosen again, and the
    hazard (and the secretary's count of the day's photos) had it twice."""
    login_as(world.worker_a)
    same = encoded("JPEG")
    upload(client, "visit", visit.id, _files((same, "IMG_0042.jpg")))
    resp = client.post(
        "/photos?lang=en",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": _files((same, "IMG_0042.jpg")),
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    assert resp.status_code == 200
    html = html_lib.unescape(resp.get_data(as_text=True))
    assert "IMG_0042.jpg" in html
    assert "This photo is already attached here." in html
    assert photo_count() == 1
    # In a batch with a new picture, only the new one is stored; the batch sent again (the
    # phone's retry) answers with what it stored, not as other content.
    batch = str(uuid.uuid4())
    blobs = ((same, "IMG_0042.jpg"), (encoded("PNG"), "new.png"))
    first = upload(client, "visit", visit.id, _files(*blobs), client_uuid=batch)
    again = upload(client, "visit", visit.id, _files(*blobs), client_uuid=batch)
    assert first.status_code == again.status_code == 200
    assert photo_count() == 2
    # The same picture twice in one batch: once.
    upload(client, "visit", visit.id, _files((same, "a.jpg"), (same, "b.jpg")))
    assert photo_count() == 2
    # A new picture under that batch's UUID is other content, not a retry: said, not dropped.
    other_content = _files((same, "IMG_0042.jpg"), (encoded("PNG", size=(300, 200)), "c.png"))
    refused = upload(client, "visit", visit.id, other_content, client_uuid=batch, htmx=False)
    assert refused.status_code == 409
    assert photo_count() == 2
    # From the phone's outbox a picture already there is done, not refused (a refusal would
    # keep the entry on the phone as failed).
    replayed = upload(
        client,
        "visit",
        visit.id,
        _files((same, "IMG_0042.jpg")),
        headers_extra={"X-Gridbook-Replay": "1"},
    )
    assert replayed.status_code == 200
    assert "already attached" not in html_lib.unescape(replayed.get_data(as_text=True))
    assert photo_count() == 2
    # On another owner it is that owner's photo.
    other = make_visit(resident=visit.resident)
    upload(client, "visit", other.id, _files((same, "IMG_0042.jpg")))
    assert photo_count() == 3


@pytest.mark.parametrize(
    ("blob", "name", "message"),
    [
        (PDF, "scan.jpg", "not a photo we can read"),
        (b"", "empty.jpg", "empty"),
        (noisy_jpeg()[:30_000], "cut.jpg", "damaged or incomplete"),
        (None, "huge.png", "too many pixels"),
    ],
)
def test_a_bad_file_stops_the_batch_with_a_clear_message(
    app, client, login_as, world, visit, blob, name, message
):
    from tests.photos.images import huge_png

    blob = huge_png() if blob is None else blob
    login_as(world.worker_a)
    resp = client.post(
        "/photos?lang=en",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": _files((encoded("JPEG"), "good.jpg"), (blob, name)),
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert fragment_root_ids(html) == [f"photos-visit-{visit.id}"]
    assert name in html
    assert message in html
    assert "good.jpg" not in html
    assert photo_count() == 0
    assert store_files(app) == []
    assert "HX-Trigger" not in resp.headers


def test_a_bad_file_on_a_plain_post_shows_a_page_with_the_message(client, login_as, world, visit):
    login_as(world.worker_a)
    resp = client.post(
        "/photos?lang=en",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": _files((PDF, "scan.jpg")),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<html" in html
    assert f'id="photos-visit-{visit.id}"' in html
    assert "scan.jpg" in html
    assert "not a photo we can read" in html
    assert photo_count() == 0


def test_no_file_chosen_says_so(client, login_as, world, visit):
    login_as(world.worker_a)
    resp = client.post(
        "/photos?lang=en",
        data={
            "owner_type": "visit",
            "owner_id": str(visit.id),
            "client_uuid": str(uuid.uuid4()),
            "photos": [(io.BytesIO(b""), "")],
        },
        content_type="multipart/form-data",
        htmx=True,
    )
    assert resp.status_code == 200
    assert "Choose or take at least one photo" in resp.get_data(as_text=True)
    assert photo_count() == 0


def test_broken_client_uuid_is_refused(client, login_as, world, visit):
    world.worker_a.locale = "en"
    login_as(world.worker_a)
    resp = upload(
        client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")), client_uuid="not-a-uuid"
    )
    assert resp.status_code == 200
    assert "Reload it and try again" in resp.get_data(as_text=True)
    assert photo_count() == 0


def test_failed_commit_leaves_no_row_and_no_file(
    app, client, login_as, world, visit, refuse_next_commit
):
    refuse_next_commit(RuntimeError("database went away"))
    login_as(world.worker_a)
    resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")))
    assert resp.status_code == 500
    assert photo_count() == 0
    assert store_files(app) == []  # staged files were discarded when the transaction ended


def test_gc_removes_what_a_crash_left_behind(app, client, login_as, world, visit, runner):
    """A crash between staging and commit: no row, and gc clears the staged file."""
    login_as(world.worker_a)
    upload(client, "visit", visit.id, _files((encoded("JPEG"), "kept.jpg")))
    kept = db.session.scalar(sa.select(Photo))
    store = get_store()
    crashed = store.stage(encoded("PNG"))  # staged, then the process died
    orphan = store.promote(store.stage(b"no row points here"))
    fresh = store.stage(b"an upload still in flight")
    old = time.time() - 2 * 3600
    os.utime(crashed.path, (old, old))
    os.utime(store.path_for(orphan), (old, old))
    os.utime(store.path_for(kept.sha256), (old, old))

    result = runner.invoke(args=["photos", "gc"])

    assert result.exit_code == 0, result.output
    assert "Removed 2" in result.output
    assert not crashed.path.exists()
    assert not store.exists(orphan)
    assert fresh.path.exists()
    assert store.exists(kept.sha256)
    assert store.exists(kept.thumb_sha256)
    assert client.get(f"/photos/{kept.id}").status_code == 200


def test_approved_day_refuses_new_photos(client, login_as, world, visit):
    visit.daily_log.status = "approved"
    db.session.commit()
    login_as(world.worker_a)
    resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")))
    assert resp.status_code == 409
    assert photo_count() == 0


def test_rectification_photo_on_a_hazard_of_an_approved_day(
    client, login_as, world, make_hazard, make_resident
):
    hazard = make_hazard(resident=make_resident())
    hazard.visit.daily_log.status = "approved"
    db.session.commit()
    login_as(world.worker_a)
    refused = upload(client, "hazard", hazard.id, _files((encoded("JPEG"), "a.jpg")))
    assert refused.status_code == 409
    resp = upload(
        client, "hazard", hazard.id, _files((encoded("JPEG"), "fix.jpg")), is_rectification="y"
    )
    assert resp.status_code == 200
    assert fragment_root_ids(resp.get_data(as_text=True)) == [f"photos-hazard-{hazard.id}-fix"]
    p = db.session.scalar(sa.select(Photo))
    assert (p.hazard_id, p.is_rectification, p.grid_id) == (hazard.id, True, hazard.grid_id)


def test_photo_of_a_checklist_answer(client, login_as, world, visit):
    item = db.session.scalar(sa.select(ChecklistItem).where(ChecklistItem.code == "F1"))
    screening = Screening(uuid=str(uuid.uuid4()), visit_id=visit.id, template_id=item.template_id)
    db.session.add(screening)
    db.session.flush()
    answer = Answer(screening_id=screening.id, item_id=item.id, value="hazard")
    db.session.add(answer)
    db.session.commit()
    login_as(world.worker_a)
    resp = upload(client, "answer", answer.id, _files((encoded("JPEG"), "a.jpg")))
    assert resp.status_code == 200
    assert fragment_root_ids(resp.get_data(as_text=True)) == [f"photos-answer-{answer.id}"]
    p = db.session.scalar(sa.select(Photo))
    assert (p.answer_id, p.visit_id, p.grid_id) == (answer.id, None, world.a1.id)
    login_as(world.worker_b)
    assert (
        upload(client, "answer", answer.id, _files((encoded("JPEG"), "b.jpg"))).status_code == 404
    )


def test_delete_photo_both_ways(app, client, login_as, world, visit, photo):
    keys, photo_id = (photo.sha256, photo.thumb_sha256), photo.id
    resp = client.post(f"/photos/{photo_id}/delete", htmx=True)
    assert resp.status_code == 200
    assert fragment_root_ids(resp.get_data(as_text=True)) == [f"photos-visit-{visit.id}"]
    assert "HX-Request" in resp.headers["Vary"]
    assert photo_count() == 0
    assert not any(get_store().exists(k) for k in keys)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "photo_deleted"))
    assert client.get(f"/photos/{photo_id}").status_code == 404

    upload(client, "visit", visit.id, _files((encoded("JPEG"), "b.jpg")))
    other = db.session.scalar(sa.select(Photo))
    plain = client.post(f"/photos/{other.id}/delete", headers={"Referer": "http://localhost/x"})
    assert plain.status_code == 303
    assert plain.headers["Location"] == "/x"
    assert photo_count() == 0


def test_deleting_one_of_two_identical_photos_keeps_the_file(
    client, login_as, world, visit, make_visit
):
    """One picture on two visits: one file in the store, kept while a row points to it."""
    login_as(world.worker_a)
    same = encoded("JPEG")
    upload(client, "visit", visit.id, _files((same, "a.jpg")))
    upload(client, "visit", make_visit(resident=visit.resident).id, _files((same, "a.jpg")))
    first, second = db.session.scalars(sa.select(Photo).order_by(Photo.id)).all()
    assert first.sha256 == second.sha256
    client.post(f"/photos/{first.id}/delete", htmx=True)
    assert get_store().exists(second.sha256)
    assert client.get(f"/photos/{second.id}").status_code == 200


def test_delete_on_an_approved_day_is_refused(client, login_as, world, visit, photo):
    visit.daily_log.status = "approved"
    db.session.commit()
    assert client.post(f"/photos/{photo.id}/delete", htmx=True).status_code == 409
    assert photo_count() == 1


def test_same_batch_sent_twice_at_once_stores_it_once(
    app, client, login_as, world, visit, monkeypatch
):
    """Both requests pass the 'already stored?' check; the unique UUID decides."""
    import app.photos.services as services

    login_as(world.worker_a)
    batch = str(uuid.uuid4())
    upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")), client_uuid=batch)
    files_before = store_files(app)
    monkeypatch.setattr(services, "photos_by_uuid", lambda *_a: [])
    resp = upload(client, "visit", visit.id, _files((encoded("PNG"), "a.png")), client_uuid=batch)
    assert resp.status_code == 200
    assert fragment_root_ids(resp.get_data(as_text=True)) == [f"photos-visit-{visit.id}"]
    assert photo_count() == 1
    assert store_files(app) == files_before


def test_fix_photos_are_locked_once_the_hazard_is_verified(
    client, world, login_as, make_hazard, make_resident
):
    import io

    from PIL import Image

    from app.models import Photo

    hz = make_hazard(resident=make_resident(), status="verified")
    login_as(world.worker_a)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 10)).save(buf, "JPEG")
    buf.seek(0)
    resp = client.post(
        "/photos",
        data={
            "owner_type": "hazard",
            "owner_id": hz.id,
            "is_rectification": "y",
            "client_uuid": "0b3a2f7e-5d1c-4a9e-8f00-1234567890ab",
            "photos": (buf, "fix.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0


def test_a_recorded_fixs_photos_stay_until_it_is_sent_back(
    client, world, login_as, make_hazard, make_resident
):
    """The walk: a worker deleted the fix's only photo from under a rectified hazard, and the
    secretary was left to verify "no photos"."""
    hz = make_hazard(resident=make_resident())
    login_as(world.worker_a)
    fix = _files((encoded("JPEG"), "fix.jpg"))
    assert upload(client, "hazard", hz.id, fix, is_rectification="y").status_code == 200
    photo = db.session.scalar(sa.select(Photo))
    hz.status, hz.rectified_on = "rectified", hz.found_on
    db.session.commit()

    assert client.post(f"/photos/{photo.id}/delete").status_code == 409
    # Under htmx the gallery comes back with the reason, and no delete button.
    refused = client.post(
        f"/photos/{photo.id}/delete", htmx=True, headers={"Accept-Language": "en"}
    )
    said = refused.get_data(as_text=True)
    assert "they change only if it is sent back" in refused.headers.get("HX-Trigger", "") + said
    assert f"/photos/{photo.id}/delete" not in said
    more = upload(client, "hazard", hz.id, _files((encoded("PNG"), "b.png")), is_rectification="y")
    assert "只有被退回后才能更改照片" in more.get_data(as_text=True)
    assert photo_count() == 1
    # Its page shows them without a delete button.
    page = client.get(f"/hazards/{hz.id}").get_data(as_text=True)
    assert f"/photos/{photo.id}/delete" not in page

    hz.status, hz.rectified_on = "open", None  # sent back: the fix is to be done again
    db.session.commit()
    assert client.post(f"/photos/{photo.id}/delete", htmx=True).status_code == 200
    assert photo_count() == 0


def test_what_was_found_stays_once_something_was_done_about_it(
    client, world, login_as, make_hazard, make_resident
):
    """The review: the finding's photo of a fixed hazard could still be deleted from the
    checklist, and the secretary would check the fix against a changed "before"."""
    hz = make_hazard(resident=make_resident())
    login_as(world.worker_a)
    assert (
        upload(client, "hazard", hz.id, _files((encoded("JPEG"), "found.jpg"))).status_code == 200
    )
    photo = db.session.scalar(sa.select(Photo))
    hz.reported_on = hz.found_on  # reported to a department, still open
    db.session.commit()
    assert client.post(f"/photos/{photo.id}/delete").status_code == 409
    more = upload(client, "hazard", hz.id, _files((encoded("PNG"), "b.png")))
    assert "已经整改或上报" not in more.text  # its own words, not the answer's
    assert "原始照片保持不变" in more.text or "发现时的照片" in more.text
    assert photo_count() == 1


def _outbox_label(html: str) -> str:
    spec = re.search(r"class=\"photo-upload\"\s+data-outbox='([^']*)'", html).group(1)
    return json.loads(html_lib.unescape(spec))["label"]


def test_a_visits_photo_form_says_whose_visit_a_waiting_photo_belongs_to(
    client, login_as, world, make_resident, make_visit
):
    visit = make_visit(resident=make_resident(name="王勇"))
    login_as(world.worker_a)
    page = client.get(f"/visits/{visit.id}", headers={"Accept-Language": "en"})
    assert _outbox_label(page.get_data(as_text=True)) == "Photo · visit to 王勇"
    # The gallery an upload sends back keeps it, for the next photo taken without signal.
    resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")))
    assert _outbox_label(resp.get_data(as_text=True)) == "照片 · 王勇的走访"  # zh by default


def test_the_waiting_photos_label_is_read_with_the_visit(
    client, login_as, world, make_resident, make_visit, count_queries
):
    """Naming the visit's resident costs no statement of its own on the upload's answer."""
    visit = make_visit(resident=make_resident(name="王勇"))
    login_as(world.worker_a)
    with count_queries() as n:
        resp = upload(client, "visit", visit.id, _files((encoded("JPEG"), "a.jpg")))
    assert _outbox_label(resp.get_data(as_text=True)) == "照片 · 王勇的走访"
    lazy = re.compile(r"FROM (residents|projects)\s+WHERE (residents|projects)\.id =")
    assert [s for s in n.statements if lazy.search(s)] == []
