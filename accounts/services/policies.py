"""Region policies dated by period (政策按期执行): staff add a version, the earlier ones stay."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.errors import Refused
from accounts.models import POLICY_EARLIEST_PERIOD, Region, RegionPolicyVersion, User

from .audit import audit_event_record

# What a version dates: the rates, the contribution band and the retiree credit.
POLICY_VERSION_FIELDS = (
    "average_wage",
    "base_floor_percent",
    "base_ceiling_percent",
    "employer_rate",
    "individual_rate",
    "credit_extra_rate",
    "retiree_credit_rule",
    "retiree_age_threshold",
    "retiree_amount_below",
    "retiree_amount_from",
    "average_pension",
    "retiree_percent_below",
    "retiree_percent_from",
    "retiree_pension_percent",
    "retiree_pension_cap",
)


@transaction.atomic
def policy_version_add(
    *, region: Region, valid_from_period: str, values: dict, actor: User | None, reason: str = ""
) -> RegionPolicyVersion:
    """The region's dated policy from `valid_from_period` on (until a later version); earlier
    versions keep applying to their periods. Refuses (Refused) a second version of a period."""
    if RegionPolicyVersion.objects.filter(
        region=region, valid_from_period=valid_from_period
    ).exists():
        raise Refused(
            _("%(region)s 自 %(period)s 起的政策版本已存在，请新增其他期号的版本。")
            % {"region": region.name, "period": valid_from_period},
            field="valid_from_period",
            rule="policy_version_exists",
        )
    dated = {name: values[name] for name in POLICY_VERSION_FIELDS if name in values}
    version = RegionPolicyVersion.objects.create(
        region=region, valid_from_period=valid_from_period, **dated
    )
    audit_event_record(
        actor=actor,
        action="policy_version_add",
        obj=version,
        before={},
        after={
            "valid_from_period": valid_from_period,
            **{name: None if v is None else str(v) for name, v in dated.items()},
        },
        reason=reason,
    )
    return version


def region_policy_start(*, region: Region, actor: User | None) -> RegionPolicyVersion:
    """A new region's first policy version, in force from the earliest period with the default
    values (staff then add versions from a period on); without one, nothing of the region can
    be worked (contributions, credits, refunds look their period's version up)."""
    return policy_version_add(
        region=region,
        valid_from_period=POLICY_EARLIEST_PERIOD,
        values={},
        actor=actor,
        reason="region_created",
    )
