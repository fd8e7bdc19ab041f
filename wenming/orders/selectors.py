"""Reads of the order pipeline beyond scope (which lives in permissions.py): an order's
history."""

from .models import ServiceOrder


def order_history(order: ServiceOrder) -> list[dict]:
    return [{"from": e.from_state or None, "to": e.to_state,
             "by": e.by.real_name or e.by.username if e.by else None,
             "by_id": e.by_id, "at": e.at, "reason": e.reason, "org_id": e.org_id}
            for e in order.events.select_related("by")]
