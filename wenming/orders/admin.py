from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wenming.core.admin import ChineseAdmin, EventInline, ReadOnlyAdmin
from wenming.core.masking import mask_mobile

from .models import OrderEvent, ServiceOrder, State, TimeLimit


class Events(EventInline):
    model = OrderEvent
    states = State


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    """Read-only: every move goes through the order workflow in `orders.services`. The
    resident's phone shows masked (revealing it is audited on the order page)."""

    list_display = ("id", "kind", "state", "platform", "org", "created_at")
    list_filter = ("state", "kind", "platform")
    exclude = ("contact_phone",)
    readonly_fields = ("masked_phone",)
    inlines = (Events,)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, order: ServiceOrder) -> str:
        return mask_mobile(order.contact_phone)


@admin.register(TimeLimit)
class TimeLimitAdmin(ChineseAdmin):
    """Time limits of a node: configuration with no service (read by `time_limit_for`)."""

    list_display = ("org", "platform", "review_minutes", "accept_minutes", "complete_minutes",
                    "auto_dispatch")
    raw_id_fields = ("org",)
