from django_tasks import task

from .channels import channels
from .models import Notification


@task()
def deliver_outbound(notification_ids: list[int]) -> int:
    """Copy inbox messages to the outbound channels, after the writing transaction commits."""
    sent = 0
    for notification in Notification.objects.select_related("user").filter(
            pk__in=notification_ids):
        for channel in channels():
            channel.send(notification)
            sent += 1
    return sent
