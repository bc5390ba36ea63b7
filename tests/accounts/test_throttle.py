import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.ratelimit


@pytest.fixture
def limited(app):
    from app.extensions import limiter

    limiter.reset()
    yield
    limiter.reset()


def _post(client, username, password, ip="10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_logins_on_one_account_are_slowed_with_a_clear_message(client, world, limited):
    statuses = [
        _post(client, "worker_a", "wrong password", ip=f"10.0.0.{i}").status_code for i in range(10)
    ]
    assert statuses[:8] == [200] * 8
    blocked = _post(client, "worker_a", PASSWORD, ip="10.0.0.99")
    assert blocked.status_code == 429
    assert 'value="worker_a"' in blocked.text
    assert "Too many" in blocked.text or "尝试次数过多" in blocked.text


def test_successful_logins_do_not_count(client, world, limited):
    for _ in range(12):
        assert _post(client, "worker_a", PASSWORD).status_code == 303
        client.post("/logout")


def test_other_accounts_are_not_locked_out_by_an_attack_on_one(client, world, limited):
    for i in range(9):
        _post(client, "worker_a", "wrong password", ip=f"10.0.1.{i}")
    assert _post(client, "worker_b", PASSWORD, ip="10.0.2.1").status_code == 303
