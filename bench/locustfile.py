"""50 grid workers logging visits with a photo each (driven by bench/load.py, 127.0.0.1 only).

Each simulated worker logs in as one of the demo workers, opens the visit form of a resident
of their grid, saves the visit and adds one photo to it, as the phone does without htmx.
Every client UUID that the server confirmed is kept, so that load.py can check the database
for lost and duplicated visits afterwards.
"""

import io
import json
import os
import random
import re
import time
import uuid

from locust import FastHttpUser, between, events, task

PASSWORD = "gridbook-demo"
RESIDENTS = json.loads(os.environ.get("LOAD_RESIDENTS", "{}"))  # username -> resident ids
CONFIRMED: list[dict] = []
# When each save-visit started and how long it took, and when each login ended: load.py
# reads them to tell the saves made while logins still ran from those made after.
TIMES: dict[str, list] = {"saves": [], "logins": []}
CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def _photo() -> bytes:
    """A phone-sized photo: 1600x1200, ~400 KB, as phones send once they shrink photos.

    Upscaled noise compresses about as a real photo does (pure noise would be 1 MB)."""
    from PIL import Image

    buf = io.BytesIO()
    small = Image.frombytes("RGB", (200, 150), os.urandom(200 * 150 * 3))
    small.resize((1600, 1200), Image.Resampling.BILINEAR).save(buf, "JPEG", quality=85)
    return buf.getvalue()


PHOTO = _photo()


def _token(html: str) -> str:
    m = CSRF.search(html)
    if not m:
        raise ValueError("no CSRF token on the page")
    return m.group(1) or m.group(2)


class Worker(FastHttpUser):
    # geventhttpclient: a fraction of python-requests' CPU per request. Locust shares the 2
    # cores with gunicorn here, so its own cost would count as the server's queueing.
    wait_time = between(0.5, 2)

    def on_start(self):
        self.username = random.choice(sorted(RESIDENTS))
        page = self.client.get("/login", name="/login")
        resp = self.client.post(
            "/login",
            name="/login",
            allow_redirects=False,
            data={"username": self.username, "password": PASSWORD, "csrf_token": _token(page.text)},
        )
        if resp.status_code != 303:
            raise RuntimeError(f"login failed: {resp.status_code}")
        TIMES["logins"].append(time.time())

    @task
    def log_visit_with_photo(self):
        resident = random.choice(RESIDENTS[self.username])
        form = self.client.get(f"/visits/new?resident={resident}", name="/visits/new")
        client_uuid = str(uuid.uuid4())
        with self.client.post(
            "/visits",
            name="/visits",
            allow_redirects=False,
            catch_response=True,
            data={
                "csrf_token": _token(form.text),
                "resident_id": resident,
                "purpose": "routine",
                "outcome": "done",
                "summary": f"负载测试走访 {client_uuid[:8]}",
                "client_uuid": client_uuid,
            },
        ) as resp:
            if resp.status_code != 303:
                resp.failure(f"visit not saved: {resp.status_code}")
                return
            visit_id = resp.headers["Location"].rstrip("/").split("/")[-1]
            confirmed = {"uuid": client_uuid, "visit_id": int(visit_id), "photo": False}
            CONFIRMED.append(confirmed)
        page = self.client.get(f"/visits/{visit_id}", name="/visits/<id>")
        photo_uuid = str(uuid.uuid4())
        with self.client.post(
            "/photos",
            name="/photos",
            allow_redirects=False,
            catch_response=True,
            data={
                "csrf_token": _token(page.text),
                "owner_type": "visit",
                "owner_id": visit_id,
                "client_uuid": photo_uuid,
            },
            files={"photos": ("photo.jpg", PHOTO, "image/jpeg")},
        ) as resp:
            if resp.status_code != 303:
                resp.failure(f"photo not saved: {resp.status_code}")
                return
            confirmed["photo"] = True


@events.request.add_listener
def _time_saves(name, response_time, start_time=None, exception=None, **_kw):
    if name == "/visits" and start_time is not None and exception is None:
        TIMES["saves"].append((start_time, response_time))


@events.quitting.add_listener
def _write_confirmed(environment, **_kw):
    path = os.environ.get("LOAD_CONFIRMED")
    if path:
        with open(path, "w") as fh:
            json.dump(CONFIRMED, fh)
    path = os.environ.get("LOAD_TIMES")
    if path:
        with open(path, "w") as fh:
            json.dump(TIMES, fh)
