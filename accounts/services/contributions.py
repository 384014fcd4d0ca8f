"""Contributions (缴费记录): base clamped to the region's band, shares from its policy."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import Contribution, RegionPolicyVersion
from accounts.selectors import policies_for_periods

from .personal_accounts import personal_accounts_receiving

CENT = Decimal("0.01")


def _fen(yuan: Decimal) -> int:
    return int(yuan.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


@dataclass(frozen=True)
class ContributionAmounts:
    base_fen: int
    employer_share_fen: int
    individual_share_fen: int
    credit_fen: int


def contribution_band(*, policy: RegionPolicyVersion) -> tuple[Decimal, Decimal]:
    """The period's floor and ceiling of the 缴费基数, in yuan (percent of the average wage)."""
    floor = (policy.average_wage * policy.base_floor_percent / 100).quantize(CENT, ROUND_HALF_UP)
    ceiling = (policy.average_wage * policy.base_ceiling_percent / 100).quantize(
        CENT, ROUND_HALF_UP
    )
    return floor, ceiling


def contribution_amounts(
    *, policy: RegionPolicyVersion, reported_base: Decimal
) -> ContributionAmounts:
    """缴费基数 clamped to 60%–300% (the period's policy) of the average wage; shares rounded
    to the fen."""
    floor, ceiling = contribution_band(policy=policy)
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


def contributions_check_accounts(*, rows: list[dict], existing: dict, accounts: dict) -> None:
    """A new contribution needs the person's open (or frozen) personal account in its region:
    refused for the batch, naming the first such row, when there is none."""
    for index, row in enumerate(rows):
        person_id, region_code = row["person"].pk, row["region"].code
        if (person_id, region_code, row["period"]) in existing:
            continue
        if (person_id, region_code) not in accounts:
            raise BusinessRuleViolation(
                _(
                    "第 %(row)d 行：该参保人在统筹区 %(region)s 没有职工医保或灵活就业参保"
                    "（没有个人账户），不能接收缴费。"
                )
                % {"row": index, "region": region_code},
                field=f"contributions[{index}].region",
                status_code=400,
                rule="no_personal_account",
            )


@transaction.atomic
def contributions_feed_apply(*, rows: list[dict]) -> ContributionFeedResult:
    """Tax receipts: new contributions are created; a repeat only records a late arrival (到账).

    Rows arrive validated as a whole: `person` and `region` resolved, `base` a Decimal.
    Only employee/flexible insurance has a personal account, opened by the enrollment feed: a
    row for a person with no open account in its region is refused, and nothing is applied.
    """
    result = ContributionFeedResult()
    keys = {(row["person"].pk, row["region"].code, row["period"]) for row in rows}
    # Accounts before contributions: the order a merge locks them in.
    accounts = personal_accounts_receiving(pairs={(key[0], key[1]) for key in keys})
    existing = {
        (c.person_id, c.region_id, c.period): c
        for c in Contribution.objects.select_for_update().filter(
            person__in={row["person"] for row in rows}, period__in={k[2] for k in keys}
        )
    }
    contributions_check_accounts(rows=rows, existing=existing, accounts=accounts)
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
