from django.core.management.base import BaseCommand

from enrollment.models import DuplicateCase
from enrollment.services import duplicates


class Command(BaseCommand):
    help = "Resolve duplicate enrollments (重复参保, 就高就新) now; prints counts by rule."

    def handle(self, *args, **options):
        run = duplicates.duplicates_resolve(triggered_by="command")
        counts = run.counts
        for rule in DuplicateCase.Rule:
            self.stdout.write(
                f"{rule.value:<24} cases {counts['cases'].get(rule.value, 0):>8}  "
                f"enrollments {counts['enrollments'].get(rule.value, 0):>8}  ({rule.label})"
            )
        seconds = counts.get("seconds", {})
        self.stdout.write(
            f"accounts merged {counts['accounts_merged']}, waiting for an open accounting "
            f"period {counts['accounts_waiting']}; run {run.pk}: decisions "
            f"{seconds.get('decide', 0):.2f} s, account merges {seconds.get('accounts', 0):.2f} s"
        )
