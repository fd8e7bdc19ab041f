"""The 荣誉表彰 API."""

from ninja import Router

router = Router(tags=["honors"])
