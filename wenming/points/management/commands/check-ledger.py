"""`wenming check-ledger`: prove the cached figures equal their ledgers; exit 1 if not."""

from django.core.management.base import BaseCommand, CommandError

from wenming.activities.selectors import rollup_problems
from wenming.people.selectors import name_copy_problems, slot_copy_problems
from wenming.points.services import ledger_problems
from wenming.stats.rollup import problems as volunteer_rollup_problems
from wenming.stats.tally import problems as node_rollup_problems


class Command(BaseCommand):
    help = ("Check points balances, stock, the hours rollups (per node and day, per volunteer "
            "and period) and the volunteers' searchable names and availability slots against "
            "their sources.")

    def handle(self, *args, **options):
        problems = (ledger_problems() + rollup_problems() + volunteer_rollup_problems()
                    + node_rollup_problems() + name_copy_problems() + slot_copy_problems())
        for line in problems[:100]:
            self.stderr.write(line)
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found")
        self.stdout.write(self.style.SUCCESS(
            "ledger ok: balances, stock, hours, the volunteer and node rollups agree"))
