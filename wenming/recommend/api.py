"""为你推荐 over JSON."""

from ninja import Query, Router

from wenming.core.schemas import Lat, Lng, Schema

from .selectors import recommendations_for

router = Router(tags=["recommendations 为你推荐"])


class Where(Schema):
    lat: Lat | None = None
    lng: Lng | None = None


@router.get("", summary="为你推荐：活动、抢单、心愿（志愿者）；附近活动与新闻（居民），附推荐理由")
def recommendations(request, where: Query[Where]):
    items = recommendations_for(request.user, lat=where.lat, lng=where.lng)
    return {"items": [{**{k: r[k] for k in ("kind", "id", "title", "score", "reasons", "url",
                                            "place", "distance_km")},
                       "start": r["start"].isoformat() if r["start"] else None} for r in items]}
