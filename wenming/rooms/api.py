"""The 场地预约 API."""

from ninja import Router

router = Router(tags=["rooms"])
