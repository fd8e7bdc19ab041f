from django.core.management.base import BaseCommand

from wenming.deliberation.tasks import schedule_sweep


class Command(BaseCommand):
    help = "Seed the sweep of overdue topic tasks and ended rating windows (before db_worker)."

    def handle(self, *args, **options):
        queued = schedule_sweep()
        self.stdout.write("topic sweep queued" if queued else "a topic sweep is already queued")
