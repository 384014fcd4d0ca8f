from django.core.management.base import BaseCommand, CommandError

from accounts.services.calendar_days import calendar_days_load


class Command(BaseCommand):
    help = (
        "Load the State Council's holidays and make-up working days (调休上班) of the given "
        "years from the holidays package into the national calendar; safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, nargs="+", required=True, metavar="YEAR")

    def handle(self, *args, years, **options):
        try:
            result = calendar_days_load(years=years)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"years {' '.join(map(str, sorted(set(years))))}: {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
