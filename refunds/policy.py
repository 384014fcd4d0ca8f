"""The one place refunds read policy: the rates and the base band in force for each period
(a refund for 2024 uses 2024's values, SPEC §1)."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from accounts.selectors import policies_for_periods
from accounts.services.contributions import contribution_band


@dataclass(frozen=True)
class PeriodPolicy:
    """What a refund needs of a period's policy: both rates and the band, in fen."""

    employer_rate: Decimal
    individual_rate: Decimal
    base_floor_fen: int
    base_ceiling_fen: int


def period_policies(*, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], PeriodPolicy]:
    """{(region code, period): the policy in force for that period}, one query for all."""
    found = {}
    for key, version in policies_for_periods(pairs).items():
        floor, ceiling = contribution_band(policy=version)
        found[key] = PeriodPolicy(
            employer_rate=version.employer_rate,
            individual_rate=version.individual_rate,
            base_floor_fen=int(floor * 100),
            base_ceiling_fen=int(ceiling * 100),
        )
    return found
