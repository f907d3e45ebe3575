"""CSRF on every form, security headers, no secrets in pages."""

import re

import pytest

from tests.conftest import make_test_app, migrate_schema


@pytest.fixture(scope="module")
def csrf_app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csrf")
    app = make_test_app(tmp, f"sqlite:///{tmp}/csrf.sqlite", WTF_CSRF_ENABLED=True)
    migrate_schema(app)
    return app


def post_routes(app):
    return sorted(
        rule.rule for rule in app.url_map.iter_rules()
        # The LRS is an API authenticated per request (HTTP Basic), not by a session cookie.
        if "POST" in rule.methods and not rule.rule.startswith(("/static", "/xapi/"))
    )


def test_every_post_without_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    routes = post_routes(csrf_app)
    assert "/login" in routes and "/people/new" in routes
    for rule in routes:
        url = re.sub(r"<int:\w+>", "1", rule).replace("<token>", "x")
        response = client.post(url, data={"email": "a@example.com", "password": "x" * 12})
        assert response.status_code == 400, rule
        assert "form expired" in response.get_data(as_text=True), rule


def test_login_with_csrf_token_from_the_form_works(csrf_app):
    import re

    from lms.extensions import db
    from lms.people.service import create_user
    from tests.conftest import PASSWORD

    with csrf_app.app_context():
        user = create_user(email="csrf@example.com", first_name="C", last_name="S")
        from lms.auth.service import hash_password

        user.password_hash = hash_password(PASSWORD)
        db.session.commit()
    client = csrf_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": "csrf@example.com", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    h = response.headers
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert h["Cache-Control"] == "no-store"
    cookie = h["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_load_no_third_party_resources(client, create_user, login):
    login(create_user("admin"))
    for path in ["/login", "/", "/people", "/me"]:
        html = client.get(path).get_data(as_text=True)
        assert "http://" not in html.replace("http://fasthold.test.example", "")
        assert "https://" not in html


def test_health_check_reports_database(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
