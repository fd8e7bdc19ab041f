from django.core.management.base import BaseCommand

from wenming.inbox.tasks import schedule_reminder_sweep


class Command(BaseCommand):
    help = "Seed the five-minute sweep of reminders and outbound retries (run before db_worker)."

    def handle(self, *args, **options):
        queued = schedule_reminder_sweep()
        self.stdout.write("reminder sweep queued" if queued else "a reminder sweep is already queued")
