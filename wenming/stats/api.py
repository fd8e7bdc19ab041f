"""The 数据统计 API."""

from ninja import Router

router = Router(tags=["stats"])
