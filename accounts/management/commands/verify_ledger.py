from django.core.management.base import BaseCommand, CommandError

from accounts.models import fen_to_yuan
from accounts.selectors import ledger_discrepancies, ledger_totals


class Command(BaseCommand):
    help = "Recompute every ledger balance from postings; exit non-zero on any difference."

    def handle(self, *args, **options):
        totals = ledger_totals()
        discrepancies = ledger_discrepancies()
        for account_id, cached, computed in discrepancies:
            self.stderr.write(
                f"account {account_id}: balance {fen_to_yuan(cached)} "
                f"but postings give {fen_to_yuan(computed)}"
            )
        problems = []
        if discrepancies:
            problems.append(f"{len(discrepancies)} account(s) disagree with their postings")
        if totals["sum_fen"] != 0:
            problems.append(f"ledger sums to {fen_to_yuan(totals['sum_fen'])}, not 0")
        if totals["negative_accounts"]:
            problems.append(f"{totals['negative_accounts']} person-side account(s) negative")
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(f"ledger OK: {totals['accounts']} accounts agree, sum 0.00")
