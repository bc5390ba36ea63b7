"""Helpers shared by the outbox's tests (tests/offline/test_outbox_*.py)."""

import uuid

from app.timeutil import local_today

REPLAY = {"X-Gridbook-Replay": "1"}


def visit_data(resident, **over) -> dict:
    data = {
        "resident_id": resident.id,
        "purpose": "elderly_care",
        "summary": "量了血压，一切正常",
        "outcome": "done",
        "visited_on": local_today().isoformat(),
        "follow_up_on": "",
        "client_uuid": str(uuid.uuid4()),
    }
    data.update(over)
    return data


# ---- a live server the tests can stop, restart, and make lose its answers -----------

import socket  # noqa: E402
import threading  # noqa: E402

import pytest  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


class StoppableServer:
    """The test app on a fixed port (the service worker's origin must not change), served by
    a thread that can be stopped and started again; counts the replays it is sent, and can
    cut the connection after a request committed, before any byte of its answer is sent."""

    def __init__(self, app):
        self.app = app
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.drop_answers_to: str | None = None  # a path: its POSTs commit, answers are lost
        self.replays: list[str] = []
        self.busy = False  # answer every replay "try again later" (entries stay waiting)
        self.lock = threading.Lock()
        self.server = None

    def wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("HTTP_X_GRIDBOOK_REPLAY") == "1":
            with self.lock:
                self.replays.append(path)
            if self.busy:
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [b'{"status": "retry"}']
        if environ["REQUEST_METHOD"] == "POST" and path == self.drop_answers_to:
            for _chunk in self.app(environ, lambda *a, **k: None):
                pass  # the view ran and committed
            sock = environ["werkzeug.socket"]
            sock.shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("test: the answer is lost on the way")
        return self.app(environ, start_response)

    def start(self):
        self.server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None


@pytest.fixture
def outbox_server(app, reads_do_not_lock):
    """The app served with the outbox's stand-in service worker (until /sw.js is merged)."""
    srv = StoppableServer(app)
    srv.start()
    yield srv
    srv.stop()
