"""Analytics test set-up: no KPI report or spells frame kept by one test is reused by the next (each
test has its own data, rolled back after it)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_kpi_reports():
    from analytics import kpi_views, kpis

    kpi_views._REPORTS.clear()
    kpis._SPELLS_CACHE.clear()
    yield
    kpi_views._REPORTS.clear()
    kpis._SPELLS_CACHE.clear()
