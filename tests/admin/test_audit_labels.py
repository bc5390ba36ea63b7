def test_audit_log_shows_words_and_keeps_the_code(client, world, login_as):
    client.post("/login", data={"username": "worker_a", "password": "wrong wrong wrong"})
    login_as(world.admin)
    zh = client.get("/admin/audit?lang=zh").text
    assert '<td class="audit-action" title="login_failed">登录失败</td>' in zh
    assert 'title="login_failed">登录失败</option>' in zh
    assert "<th>来源地址</th>" in zh
    en = client.get("/admin/audit?action=login_failed&lang=en", htmx=True).text
    assert '<td class="audit-action" title="login_failed">Sign-in failed</td>' in en


def test_audit_records_read_in_words_and_are_chosen_from_a_list(
    client, world, login_as, make_resident
):
    """Not "resident 21" under 记录, nor a box where only the English "resident" finds it."""
    from app.audit.services import record
    from app.extensions import db

    resident = make_resident(name="王树林")
    record("resident_created", "resident", resident.id)
    db.session.commit()
    login_as(world.admin)
    zh = client.get("/admin/audit?lang=zh").text
    assert f'<td title="resident">居民档案 {resident.id}</td>' in zh
    assert '<option value="resident"  title="resident">居民档案</option>' in zh
    picked = client.get("/admin/audit?object_type=resident&lang=zh", htmx=True).text
    assert f"居民档案 {resident.id}" in picked
    en = client.get("/admin/audit?lang=en").text
    assert f'<td title="resident">Resident record {resident.id}</td>' in en


def test_every_record_type_the_code_audits_has_words():
    """A new object type passed to the audit without a label would show as its code."""
    import ast
    from pathlib import Path

    from app.labels import LABELS

    app_dir = Path(__file__).resolve().parents[2] / "app"
    calls = {"record": 1, "record_later": 1, "record_read": 1, "record_refusal": 0}
    seen = set()
    for path in app_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in calls:
                continue
            arg = next((k.value for k in node.keywords if k.arg == "object_type"), None)
            if arg is None and len(node.args) > calls[name]:
                arg = node.args[calls[name]]
            if isinstance(arg, ast.Constant) and arg.value:
                seen.add(arg.value)
    assert len(seen) > 10
    assert seen <= set(LABELS["audit_object"]), seen - set(LABELS["audit_object"])
