"""`{% recommended_for_me %}`: the first few of 为你推荐 on a member's home screen."""

from django import template

from ..selectors import recommendations_for

register = template.Library()


@register.inclusion_tag("recommend/_home.html", takes_context=True)
def recommended_for_me(context, count: int = 3):
    return {"items": recommendations_for(context["request"].user, limit=count)}
