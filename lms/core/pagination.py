"""Bounded pagination for selects that return rows of several entities."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db


@dataclass
class Page:
    """The same attributes as Flask-SQLAlchemy's Pagination, so one template macro serves both."""

    page: int
    per_page: int
    total: int
    items: list[Any]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def paginate_rows(query: Select, page: int, per_page: int) -> Page:
    """Count once, then fetch one page of rows; a page past the end shows the last page."""
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    items = list(db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(page=page, per_page=per_page, total=total, items=items)
