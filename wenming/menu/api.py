"""The 服务菜单 API."""

from ninja import Router

router = Router(tags=["menu"])
