"""Review: odd KPI filter values are ignored or refused, never a server error."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("url", ["/analytics/kpis", "/analytics/kpis/periods.csv", "/analytics/kpis.pdf"])
def test_a_blank_looking_tenure_band_is_no_filter_not_a_500(client, login, create_user, url):
    login(create_user("hr"))
    assert client.get(url, query_string={"tenure_band": " "}).status_code == 200


def test_an_unknown_tenure_band_is_a_400(client, login, create_user):
    login(create_user("hr"))
    assert client.get("/analytics/kpis", query_string={"tenure_band": "9+"}).status_code == 400
