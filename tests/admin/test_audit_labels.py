def test_audit_log_shows_words_and_keeps_the_code(client, world, login_as):
    client.post("/login", data={"username": "worker_a", "password": "wrong wrong wrong"})
    login_as(world.admin)
    zh = client.get("/admin/audit?lang=zh").text
    assert '<td class="audit-action" title="login_failed">登录失败</td>' in zh
    assert 'title="login_failed">登录失败</option>' in zh
    assert "<th>来源地址</th>" in zh
    en = client.get("/admin/audit?action=login_failed&lang=en", htmx=True).text
    assert '<td class="audit-action" title="login_failed">Sign-in failed</td>' in en
