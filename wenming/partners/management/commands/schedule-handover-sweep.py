from django.core.management.base import BaseCommand

from wenming.partners.tasks import schedule_handover_sweep


class Command(BaseCommand):
    help = "Seed the five-minute sweep of overdue hand-overs (run before starting db_worker)."

    def handle(self, *args, **options):
        queued = schedule_handover_sweep()
        self.stdout.write("sweep queued" if queued else "a sweep is already queued")
