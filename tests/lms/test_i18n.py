"""Three languages: the user's choice first, then Accept-Language; complete catalogues; locale formats."""

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_accept_language_chooses_the_language_for_visitors(client):
    assert "Log ind" in client.get("/login", headers={"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert "Logga in" in client.get("/login", headers={"Accept-Language": "sv-SE"}).get_data(as_text=True)
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)


def test_saved_preference_beats_the_browser(client, create_user, login):
    user = create_user(language="sv")
    login(user)
    html = client.get("/me", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert '<html lang="sv"' in html
    assert "Min profil" in html


def test_language_switcher_saves_the_choice_on_the_profile(client, create_user, login):
    user = create_user(language=None)
    login(user)
    response = client.post("/language", data={"language": "da", "next": "/me"})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert user.preferred_language == "da"
    assert '<html lang="da"' in client.get("/me", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_language_switcher_works_before_signing_in(client):
    client.post("/language", data={"language": "sv", "next": "/login"})
    assert '<html lang="sv"' in client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_unknown_language_is_a_400(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_language_switcher_does_not_redirect_offsite(client):
    response = client.post("/language", data={"language": "da", "next": "//evil.example.com"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("lang", "expected"), [("en", "Jan 6, 2020"), ("da", "6. jan. 2020"), ("sv", "6 jan. 2020")])
def test_dates_are_formatted_for_the_locale(client, create_user, login, lang, expected):
    user = create_user(language=lang, hire_date=date(2020, 1, 6))
    login(user)
    assert expected in client.get("/me").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["da", "sv"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    template = read_po((ROOT / "lms/translations/messages.pot").open("rb"))
    catalog = read_po((ROOT / f"lms/translations/{lang}/LC_MESSAGES/messages.po").open("rb"))
    missing, broken = [], []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        strings = translated.string if translated else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if translated is None or not all(strings) or translated.fuzzy:
            missing.append(message.id)
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(re.findall(r"%\(\w+\)[sd]", " ".join(ids)))
        for s in strings:
            if not set(re.findall(r"%\(\w+\)[sd]", s)) <= wanted:
                broken.append((message.id, s))
    assert missing == []
    assert broken == []


def test_message_template_is_up_to_date_with_the_code():
    """Every translatable string in the code is in messages.pot (run `make update-translations`)."""
    from babel.messages.extract import extract_from_dir

    # the same sources as babel.cfg, read from it so a new module cannot be forgotten here
    method_map = [(line.strip()[1:-1].split(":", 1)[1].strip(), line.strip()[1:-1].split(":", 1)[0])
                  for line in (ROOT / "babel.cfg").read_text().splitlines() if line.strip().startswith("[")]
    assert ("plans/**.py", "python") in method_map
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "_nl": (1, 2), "lazy_ngettext": (1, 2)}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords,
        options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}},
    ):
        found.add(message if isinstance(message, str) else message[0])
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po((ROOT / "lms/translations/messages.pot").open("rb")) if m.id}
    assert sorted(found - template) == []


@pytest.mark.parametrize(("lang", "expected"), [("da", "Dette felt skal udfyldes."), ("sv", "Det här fältet måste fyllas i.")])
def test_built_in_form_messages_are_translated(client, lang, expected):
    response = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": lang})
    html = response.get_data(as_text=True)
    assert expected in html
    assert "This field is required." not in html
