"""Contributions (缴费记录): base clamped to the region's band, shares from its policy."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from accounts.models import Contribution, RegionPolicyVersion
from accounts.selectors import policies_for_periods

from .personal_accounts import personal_accounts_for

CENT = Decimal("0.01")


def _fen(yuan: Decimal) -> int:
    return int(yuan.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


@dataclass(frozen=True)
class ContributionAmounts:
    base_fen: int
    employer_share_fen: int
    individual_share_fen: int
    credit_fen: int


def contribution_amounts(
    *, policy: RegionPolicyVersion, reported_base: Decimal
) -> ContributionAmounts:
    """缴费基数 clamped to 60%–300% (the period's policy) of the average wage; shares rounded
    to the fen."""
    floor = (policy.average_wage * policy.base_floor_percent / 100).quantize(CENT, ROUND_HALF_UP)
    ceiling = (policy.average_wage * policy.base_ceiling_percent / 100).quantize(
        CENT, ROUND_HALF_UP
    )
    base = min(max(reported_base, floor), ceiling)
    individual = _fen(base * policy.individual_rate)
    return ContributionAmounts(
        base_fen=_fen(base),
        employer_share_fen=_fen(base * policy.employer_rate),
        individual_share_fen=individual,
        credit_fen=individual + _fen(base * policy.credit_extra_rate),
    )


@dataclass
class ContributionFeedResult:
    created: int = 0
    paid: int = 0
    unchanged: int = 0


@transaction.atomic
def contributions_feed_apply(*, rows: list[dict]) -> ContributionFeedResult:
    """Tax receipts: new contributions are created; a repeat only records a late arrival (到账).

    Rows arrive validated as a whole: `person` and `region` resolved, `base` a Decimal.
    """
    result = ContributionFeedResult()
    keys = {(row["person"].pk, row["region"].code, row["period"]) for row in rows}
    existing = {
        (c.person_id, c.region_id, c.period): c
        for c in Contribution.objects.select_for_update().filter(
            person__in={row["person"] for row in rows}, period__in={k[2] for k in keys}
        )
    }
    accounts = personal_accounts_for(pairs={(row["person"], row["region"]) for row in rows})
    # Each period's own rates and band (a 2024 contribution keeps 2024's rates).
    policies = policies_for_periods((k[1], k[2]) for k in keys)
    to_create, to_mark_paid = [], []
    for row in rows:
        key = (row["person"].pk, row["region"].code, row["period"])
        contribution = existing.get(key)
        if contribution is not None:
            if contribution.paid_at is None and row.get("paid_at"):
                contribution.paid_at = row["paid_at"]
                to_mark_paid.append(contribution)
            else:
                result.unchanged += 1
            continue
        amounts = contribution_amounts(policy=policies[key[1:]], reported_base=row["base"])
        to_create.append(
            Contribution(
                account=accounts[(key[0], key[1])],
                person=row["person"],
                region=row["region"],
                period=row["period"],
                reported_base_fen=_fen(row["base"]),
                base_fen=amounts.base_fen,
                employer_share_fen=amounts.employer_share_fen,
                individual_share_fen=amounts.individual_share_fen,
                credit_fen=amounts.credit_fen,
                paid_at=row.get("paid_at"),
            )
        )
    Contribution.objects.bulk_create(to_create, batch_size=1000)
    Contribution.objects.bulk_update(to_mark_paid, ["paid_at"], batch_size=1000)
    result.created, result.paid = len(to_create), len(to_mark_paid)
    return result
