"""The API's list shape: ?page=&page_size= (page_size <= 200) -> {"items", "count"}."""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from pydantic import Field

from .schemas import Schema

MAX_PAGE_SIZE = 200


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def paginate(qs: QuerySet, page: PageQuery, serialize: Callable[[Any], dict], *,
             preload: Callable[[list], None] | None = None) -> dict:
    """One page of `qs`. `preload` gets the page's rows first, to fetch what the rows need
    in one query instead of one per row."""
    start = (page.page - 1) * page.page_size
    rows = list(qs[start:start + page.page_size])
    if preload is not None:
        preload(rows)
    return {"items": [serialize(row) for row in rows], "count": qs.count()}
