"""Pagination over SQLAlchemy selects, for pages and the API alike."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from marketplace.extensions import db

MAX_PER_PAGE = 100


def parse_page_args(args, default_per_page: int = 20) -> tuple[int, int]:
    """Read `page` and `per_page` from query args, clamped to sane values."""

    def _int(name: str, default: int) -> int:
        try:
            return int(args.get(name, default))
        except (TypeError, ValueError):
            return default

    page = max(1, min(_int("page", 1), 100_000))
    per_page = max(1, min(_int("per_page", default_per_page), MAX_PER_PAGE))
    return page, per_page


def filtered_by_status(stmt: Select, column, status: str, statuses) -> Select:
    """Narrow a list to one status when the requested one is known; any other value lists them all."""
    return stmt.where(column == status) if status in statuses else stmt


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, with None where numbers are skipped."""
        shown: list[int | None] = []
        for number in range(1, self.pages + 1):
            near = abs(number - self.page) <= size
            if number in (1, self.pages) or near:
                shown.append(number)
            elif shown and shown[-1] is not None:
                shown.append(None)
        return shown


def paginate(stmt: Select, page: int, per_page: int, scalars: bool = True) -> Page:
    """Run a select for one page and count the total."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    query = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(query).all() if scalars else db.session.execute(query).all()
    return Page(items=list(rows), total=total or 0, page=page, per_page=per_page)
