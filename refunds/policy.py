"""The one place refunds read policy: the rates and the base band in force for a period.

Until policies dated by period exist in the core, each region's current RegionPolicy answers
for every period; switch `period_policies` to the dated reads when they land.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from accounts.models import RegionPolicy

CENT = Decimal("0.01")


@dataclass(frozen=True)
class PeriodPolicy:
    """What a refund needs of a period's policy: both rates and the band, in fen."""

    employer_rate: Decimal
    individual_rate: Decimal
    base_floor_fen: int
    base_ceiling_fen: int


def _band_fen(policy: RegionPolicy, percent: Decimal) -> int:
    # As accounts.services.contributions clamps a contribution base.
    return int((policy.average_wage * percent / 100).quantize(CENT, ROUND_HALF_UP) * 100)


def period_policies(*, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], PeriodPolicy]:
    """{(region code, period): the policy in force for that period}, one query for all."""
    pairs = set(pairs)
    policies = RegionPolicy.objects.in_bulk({region for region, _period in pairs})
    return {
        (region, period): PeriodPolicy(
            employer_rate=policies[region].employer_rate,
            individual_rate=policies[region].individual_rate,
            base_floor_fen=_band_fen(policies[region], policies[region].base_floor_percent),
            base_ceiling_fen=_band_fen(policies[region], policies[region].base_ceiling_percent),
        )
        for region, period in pairs
    }
