"""`{% latest_news %}`: the newest public news of a node's subtree (or the whole platform), for
the landing page, members' home pages and a node's page."""

from django import template

from ..permissions import news_around, news_in
from ..selectors import image_url

register = template.Library()


@register.inclusion_tag("notices/_latest.html")
def latest_news(node=None, station=None, count: int = 4):
    """The subtree's news for a node's page and the landing page; a member's home gets their
    station's and its ancestors' (`station=`)."""
    items = list((news_around(station) if station else news_in(node))[:count])
    for notice in items:
        notice.image_src = image_url(notice)
    return {"page": items, "node": node}
