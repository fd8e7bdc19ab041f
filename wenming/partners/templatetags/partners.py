"""The order page's 吹哨报到 panel: who handles the order now, and the hand-over moves the
caller may start (the caps decide; the orders view needs no change)."""

from django import template

from wenming.orders.models import WORKFLOW as ORDER_WORKFLOW

from ..permissions import can_record_mediation, can_send_handover
from ..services import can_hand_up

register = template.Library()


@register.inclusion_tag("partners/_order_panel.html", takes_context=True)
def order_handover_panel(context, order):
    user = context["request"].user
    handovers = list(order.handovers.select_related("unit").prefetch_related("photos")
                     .order_by("-created_at", "-id")[:1])
    current = handovers[0] if handovers else None
    active = ORDER_WORKFLOW.in_group(order.state, "active")
    caps = context.get("caps")
    # A grid manager who is no staff member has no dispatch desk: 受理 happens here.
    grid_desk = caps is not None and not caps.handles and (caps.can_review or caps.can_reject)
    return {
        "request": context["request"], "csrf_token": context.get("csrf_token"),
        "caps": caps, "grid_desk": grid_desk,
        "o": order, "h": current,
        "can_send": active and not (current and current.is_open)
        and can_send_handover(user, order),
        "can_hand_up": can_hand_up(user, order),
        "can_mediate": order.kind == "appeal" and can_record_mediation(
            user, order.station, order.grid),
    }
