from django.core.management.base import BaseCommand

from wenming.orders.tasks import schedule_sweep


class Command(BaseCommand):
    help = "Seed the five-minute sweep of overdue orders (run before starting db_worker)."

    def handle(self, *args, **options):
        queued = schedule_sweep()
        self.stdout.write("sweep queued" if queued else "a sweep is already queued")
