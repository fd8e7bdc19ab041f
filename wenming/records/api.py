"""The 志愿服务记录 API."""

from ninja import Router

router = Router(tags=["records"])
