"""The 宣讲 API."""

from ninja import Router

router = Router(tags=["lectures"])
