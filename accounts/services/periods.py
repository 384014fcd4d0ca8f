"""Accounting periods (做账期号): OPEN → ASSESSED (核定) → CLOSED."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import AccountingPeriod, Region

Status = AccountingPeriod.Status


def accounting_period_open(*, region: Region, period: str) -> AccountingPeriod:
    period_row, _created = AccountingPeriod.objects.get_or_create(region=region, period=period)
    return period_row


@transaction.atomic
def accounting_period_assess(*, period: AccountingPeriod) -> AccountingPeriod:
    """核定: the period's fees are fixed; payments may arrive and credits follow them."""
    period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.status != Status.OPEN:
        raise BusinessRuleViolation(
            _("做账期号 %(period)s 已是“%(status)s”，不能再次核定。")
            % {"period": period.period, "status": period.get_status_display()}
        )
    period.status, period.assessed_at = Status.ASSESSED, timezone.now()
    period.save(update_fields=["status", "assessed_at"])
    return period


@transaction.atomic
def accounting_period_close(*, period: AccountingPeriod) -> AccountingPeriod:
    period = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
    if period.status != Status.ASSESSED:
        raise BusinessRuleViolation(
            _("做账期号 %(period)s 尚未核定，不能结账。") % {"period": period.period}
        )
    period.status, period.closed_at = Status.CLOSED, timezone.now()
    period.save(update_fields=["status", "closed_at"])
    return period


def accounting_period_require_open(*, region_code: str, period: str | None = None) -> None:
    """Refuse business that changes a period under assessment (or closed), saying why.

    Without a period, the business touches the region's latest period.
    """
    rows = AccountingPeriod.objects.filter(region_id=region_code)
    row = rows.filter(period=period).first() if period else rows.order_by("-period").first()
    if row is None or row.status == Status.OPEN:
        return
    raise BusinessRuleViolation(
        _(
            "统筹区 %(region)s 的做账期号 %(period)s %(status)s，涉及该期的业务"
            "（人员增减、在职转退休、补退收、转移接续）暂停办理，请在新的期号开放后再办理。"
        )
        % {"region": region_code, "period": row.period, "status": row.get_status_display()}
    )
