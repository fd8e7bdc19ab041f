"""A test-only API on the platform's machinery (PlatformAPI, the error handlers, the input
types), mounted beside the real one by `urls`: it proves the types and the error shape without
depending on the apps having adopted them yet."""

import datetime

from django.urls import include, path
from ninja import Field, Query, Router, Status

from wenming.api import install_error_handlers
from wenming.core.auth import bearer_or_session, optional_auth
from wenming.core.openapi import PlatformAPI
from wenming.core.schemas import Id, Lat, Lng, PlatformDate, PlatformDateTime, Strict, Text
from wenming.orgs.models import Platform

router = Router()


class ItemIn(Strict):
    name: str = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=200)
    owner_id: Id
    count: int = 0
    lat: Lat | None = None
    lng: Lng | None = None
    at: datetime.datetime | None = None
    day: datetime.date | None = None
    tags: list[str] = []


class ItemFilter(Strict):
    owner: Id | None = None
    q: str = Field("", max_length=50)
    since: PlatformDateTime | None = None


@router.post("/items", response={201: dict})
def item_create(request, payload: ItemIn):
    return Status(201, payload.dict())


@router.get("/items")
def item_list(request, filters: Query[ItemFilter]):
    return filters.dict()


@router.get("/items/{item_id}")
def item_get(request, item_id: Id, word: Text = "", on: PlatformDate | None = None):
    return {"id": item_id, "word": word, "on": on}


@router.post("/boom", auth=optional_auth)
def boom(request):
    raise RuntimeError("a bug")


@router.post("/write-then-boom", auth=optional_auth)
def write_then_boom(request):
    Platform.objects.create(code="rolled_back", name="rolled back")
    raise RuntimeError("a bug after a write")


@router.post("/write-then-overflow", auth=optional_auth)
def write_then_overflow(request):
    Platform.objects.create(code="rolled_back", name="rolled back")
    raise OverflowError("Python int too large to convert to SQLite INTEGER")


test_api = PlatformAPI(auth=bearer_or_session, urls_namespace="bad_input_test")
install_error_handlers(test_api)
test_api.add_router("/", router)

urlpatterns = [
    path("api/_test/", test_api.urls),
    path("", include("wenming.urls")),
]

# Django reads the error handlers from the root URLconf.
from wenming.urls import handler400, handler403, handler404, handler500  # noqa: E402, F401
