"""Money a demo account holds from before the demo's own history, posted once from the
region fund (kind DEMO_BALANCE) so the ledger still adds up."""

from accounts.models import PersonalAccount
from accounts.services import ledger


def demo_balance_post(
    account: PersonalAccount, *, current_fen: int, carried_fen: int, key: str
) -> None:
    """Idempotent per part: `key` names the demo story, e.g. "demo:frozen"."""
    fund = ledger.region_account(region=account.region)
    for part, fen in ((account.current, current_fen), (account.carried, carried_fen)):
        ledger.posting_create(
            from_account=fund,
            to_account=part,
            amount_fen=fen,
            kind="DEMO_BALANCE",
            idempotency_key=f"{key}:{part.pk}",
        )
