"""Review: every HR-only analytics route, read from the URL map, answers 403 to employees, managers,
authors, admins and mentors, for GET and POST alike (nothing is read or changed)."""

from __future__ import annotations

import pytest

#: routes meant for others: the leaver's and the alumnus' links, employees' own pulse invitations,
#: a manager's former reports and the regretted flag (checked per spell)
NOT_HR_ONLY = {"analytics.exit_questionnaire", "analytics.alumni_opt_out", "analytics.pulse_mine",
               "analytics.pulse_answer", "analytics.exit_former_reports", "analytics.exit_regretted"}
ARGS = {"table": "periods", "part": "curves", "token": "x"}


def _hr_only_urls(app):
    out = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("analytics.") or rule.endpoint in NOT_HR_ONLY:
                continue
            values = {arg: ARGS.get(arg, 1) for arg in rule.arguments}
            for method in sorted(rule.methods & {"GET", "POST"}):
                out.append((method, url_for(rule.endpoint, **values)))
    return out


@pytest.mark.parametrize("roles", ["employee", "manager", "author", "admin", ("employee", "manager", "admin")])
def test_every_hr_only_analytics_route_is_403_for_other_roles(app, client, login, create_user, roles):
    urls = _hr_only_urls(app)
    assert len(urls) > 30
    login(create_user(roles, is_mentor=True))
    wrong = [(m, u, r.status_code) for m, u in urls
             if (r := client.open(u, method=m, data={"reason": "x", "kind": "other"})).status_code != 403]
    assert wrong == []


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    urls = _hr_only_urls(app)
    wrong = [(m, u, r.status_code) for m, u in urls if (r := client.open(u, method=m)).status_code not in (302, 401)]
    assert wrong == []
