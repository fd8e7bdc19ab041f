"""The 招募令 API."""

from ninja import Router

router = Router(tags=["callups"])
