from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, Region, period_validator
from accounts.services import periods


class Command(BaseCommand):
    help = "Mark a region's accounting period assessed (核定), as the admin action does."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="region code, e.g. 610100")
        parser.add_argument("--period", required=True, help="YYYYMM")

    def handle(self, *args, region, period, **options):
        try:
            period_validator(period)
        except ValidationError:
            raise CommandError(f"malformed period {period!r}: expected YYYYMM") from None
        region_row = Region.objects.filter(pk=region).first()
        if region_row is None:
            raise CommandError(f"unknown region {region}")
        row = periods.accounting_period_open(region=region_row, period=period)
        if row.status != AccountingPeriod.Status.OPEN:
            self.stdout.write(f"{region} {period} is already {row.status}; nothing to do")
            return
        try:
            periods.accounting_period_assess(period=row)
        except BusinessRuleViolation as refusal:  # assessed meanwhile by someone else
            self.stdout.write(f"{region} {period}: {refusal.message}")
            return
        self.stdout.write(f"{region} {period} assessed")
