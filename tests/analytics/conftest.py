"""Analytics test set-up: no KPI report computed by one test is reused by the next (each test has its own data)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_kpi_reports():
    from analytics import kpi_views

    kpi_views._REPORTS.clear()
    yield
    kpi_views._REPORTS.clear()
