"""The 议事厅 API."""

from ninja import Router

router = Router(tags=["topics"])
