"""The 共建单位 API."""

from ninja import Router

router = Router(tags=["units"])
