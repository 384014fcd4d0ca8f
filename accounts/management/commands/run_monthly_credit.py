from django.core.management.base import BaseCommand, CommandError

from accounts.models import Region, fen_to_yuan
from accounts.services.credits import monthly_credit_run


class Command(BaseCommand):
    help = "Run the monthly credit (每月划入) now; all eligible periods when none is given."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYYMM; default: every eligible period")
        parser.add_argument("--region", help="region code; default: every region")

    def handle(self, *args, period=None, region=None, **options):
        regions = [region] if region else list(Region.objects.values_list("code", flat=True))
        if region and not Region.objects.filter(pk=region).exists():
            raise CommandError(f"unknown region {region}")
        total_count = total_fen = 0
        for code in regions:
            run = monthly_credit_run(region_code=code, period=period, triggered_by="command")
            total_count += run.credited_count
            total_fen += run.credited_fen
            if run.periods:
                self.stdout.write(
                    f"{code}: periods {','.join(run.periods)} credited {run.credited_count} "
                    f"(retirees {run.retiree_count}) amount {run.credited_amount}"
                )
        self.stdout.write(f"total credited {total_count} amount {fen_to_yuan(total_fen)}")
