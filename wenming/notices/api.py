"""The 通知公告 API."""

from ninja import Router

router = Router(tags=["notices"])
