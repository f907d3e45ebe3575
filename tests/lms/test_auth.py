"""Sign-in, throttling, sign-out, password reset and one-time passwords."""

import email
import email.policy
import re
from pathlib import Path
from urllib.parse import quote

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from lms.auth.tasks import send_password_reset_email
from lms.people.models import LoginAttempt, User
from tests.conftest import PASSWORD


def test_passwords_are_stored_as_argon2id_hashes(create_user):
    user = create_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_with_right_password_opens_the_home_page(client, create_user):
    user = create_user(first_name="Liv")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Hello, Liv" in client.get("/").get_data(as_text=True)
    assert user.last_login_at is not None


def test_wrong_password_is_refused_with_a_message_next_to_the_field(client, create_user):
    user = create_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "The e-mail address or password is wrong." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client):
    response = client.post("/login", data={"email": "nobody@example.com", "password": "whatever123"})
    assert response.status_code == 401
    assert "The e-mail address or password is wrong." in response.get_data(as_text=True)


def test_login_form_without_password_shows_field_error(client):
    response = client.post("/login", data={"email": "a@example.com", "password": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_repeated_failures_pause_the_account_even_for_the_right_password(client, create_user, db):
    user = create_user()
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 401
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    failures = db.session.execute(
        select(LoginAttempt).where(LoginAttempt.email == user.email, LoginAttempt.is_success.is_(False))
    ).scalars().all()
    assert len(failures) == 5


def test_success_before_the_limit_clears_the_failure_count(client, create_user):
    user = create_user()
    for _ in range(4):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    client.post("/logout")
    for _ in range(4):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_deactivated_person_cannot_sign_in(client, create_user):
    user = create_user()
    user.is_active = False
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401


def test_deactivating_a_signed_in_person_ends_their_session(client, create_user, login):
    user = create_user()
    login(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    assert client.get("/").status_code == 302


def test_sign_out_needs_post_and_ends_the_session(client, create_user, login):
    login(create_user())
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_to_another_site(client, create_user):
    user = create_user()
    response = client.post("/login?next=https://evil.example.com/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=//evil.example.com/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    client.post("/logout")
    for evil in ["/\t/evil.example.com", "/\\evil.example.com", "https:/evil.example.com"]:
        response = client.post("/login?next=" + quote(evil), data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")
    response = client.post("/login?next=/me", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/me"


def last_mail(outbox: Path):
    mails = sorted(outbox.glob("*.eml"))
    assert mails, "no e-mail written to the outbox"
    return email.message_from_bytes(mails[-1].read_bytes(), policy=email.policy.default)


def _reset_link(outbox: Path) -> str:
    body = last_mail(outbox).get_content()
    match = re.search(r"http://fasthold\.test\.example(/password/reset/[\w.\-]+)", body)
    assert match, body
    return match.group(1)


def test_password_reset_request_sends_the_email_task_only_after_commit(client, create_user, sent_tasks):
    user = create_user()
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert sent_tasks == [("auth.send_password_reset_email", (user.email,), {})]


def test_password_reset_for_unknown_address_does_the_same_work_and_sends_no_mail(app, client, sent_tasks):
    response = client.post("/password/forgot", data={"email": "ghost@example.com"}, follow_redirects=True)
    assert "If ghost@example.com belongs to an account" in response.get_data(as_text=True)
    assert sent_tasks == [("auth.send_password_reset_email", ("ghost@example.com",), {})]
    assert send_password_reset_email.apply(args=("ghost@example.com",)).get() is False


def test_reset_mail_is_sent_at_most_once_a_minute(app, create_user):
    user = create_user()
    assert send_password_reset_email.apply(args=(user.email,)).get() is True
    assert send_password_reset_email.apply(args=(user.email,)).get() is False


def test_password_reset_link_sets_a_new_password_once(app, client, create_user):
    user = create_user(language="da")
    assert send_password_reset_email.apply(args=(user.email,)).get() is True
    outbox = Path(app.config["MAIL_OUTBOX"])
    mail = last_mail(outbox)
    assert mail["To"] == user.email
    assert "adgangskode" in mail["Subject"].lower()  # written in the person's language (Danish)
    path = _reset_link(outbox)

    assert client.get(path).status_code == 200
    bad = client.post(path, data={"password": "new-password-123", "confirm": "different-123"})
    assert bad.status_code == 400
    assert client.post(path, data={"password": "new-password-123", "confirm": "new-password-123"}).status_code == 302

    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": user.email, "password": "new-password-123"}).status_code == 302
    client.post("/logout")
    # The same link does not work twice.
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/password/forgot")


def test_forged_or_expired_reset_token_is_refused(app, client, create_user):
    user = create_user()
    forged = URLSafeTimedSerializer("another-secret", salt="fasthold-password-reset").dumps({"uid": user.id, "stamp": "never"})
    assert client.get(f"/password/reset/{forged}").status_code == 302
    app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] = -1
    try:
        from lms.auth.service import make_reset_token

        token = make_reset_token(user)
        assert client.get(f"/password/reset/{token}").status_code == 302
    finally:
        app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] = 60


def test_reset_email_is_not_sent_to_a_deactivated_person(app, create_user):
    user = create_user()
    user.is_active = False
    assert send_password_reset_email.apply(args=(user.email,)).get() is False


def test_one_time_password_must_be_replaced_before_anything_else(client, create_user, db):
    from lms.auth.service import set_one_time_password

    user = create_user()
    temporary = set_one_time_password(user)
    assert client.post("/login", data={"email": user.email, "password": temporary}).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/password/change"
    response = client.post("/password/change", data={"current": temporary, "password": "my-own-password-1",
                                                      "confirm": "my-own-password-1"})
    assert response.status_code == 302
    assert db.session.get(User, user.id).must_change_password is False
    assert client.get("/").status_code == 200


def test_new_password_must_be_long_enough(client, create_user, login):
    login(create_user())
    response = client.post("/password/change", data={"current": PASSWORD, "password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "at least 10" in response.get_data(as_text=True).lower() or "10 characters" in response.get_data(as_text=True)


def test_changing_password_signs_out_other_sessions(app, create_user, login, client):
    user = create_user()
    login(user)
    other_device = app.test_client()
    assert other_device.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert other_device.get("/").status_code == 200
    response = client.post("/password/change", data={"current": PASSWORD, "password": "a-brand-new-one",
                                                      "confirm": "a-brand-new-one"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other_device.get("/").status_code == 302  # the other one is signed out


def test_password_reset_clears_the_lockout(app, client, create_user):
    user = create_user()
    for _ in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong-password"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    send_password_reset_email.apply(args=(user.email,))
    path = _reset_link(Path(app.config["MAIL_OUTBOX"]))
    client.post(path, data={"password": "fresh-password-9", "confirm": "fresh-password-9"})
    assert client.post("/login", data={"email": user.email, "password": "fresh-password-9"}).status_code == 302


def test_throttle_counts_each_attempt_before_checking_the_password(app, db, create_user):
    """An attempt is committed as a failure before the password is verified, so the sixth of
    several parallel guesses is refused even if none has finished verifying yet."""
    from lms.auth.service import Throttled, authenticate

    user = create_user()
    for _ in range(5):
        db.session.add(LoginAttempt(email=user.email, ip_address="10.0.0.1", is_success=False))
    db.session.commit()
    try:
        authenticate(user.email, PASSWORD, "10.0.0.2")
    except Throttled:
        pass
    else:
        raise AssertionError("the sixth attempt was not throttled")


def test_client_address_comes_from_trusted_proxy_headers_only(tmp_path):
    from tests.conftest import make_test_app

    seen = []
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path}/p.sqlite", TRUSTED_PROXIES=1)

    @app.route("/_ip")
    def ip():
        seen.append(__import__("flask").request.remote_addr)
        return "ok"

    app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    direct = make_test_app(tmp_path, f"sqlite:///{tmp_path}/p.sqlite")
    direct.add_url_rule("/_ip", "ip", ip)
    direct.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen == ["203.0.113.9", "10.0.0.1"]


def test_form_fields_point_aria_describedby_only_at_hints_and_errors_that_exist(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'aria-describedby="None"' not in html and "aria-describedby" not in html  # no hint, no error yet
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in html and 'id="email-error"' in html
