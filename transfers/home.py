"""The transfer application's next step on a person's home page."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.home import Todo
from accounts.models import InsuredPerson

from . import selectors
from .models import TransferStatus

REJECTED_SHOWN_DAYS = 30


def _recent(finished_at: dt.datetime | None) -> bool:
    return finished_at is not None and timezone.now() - finished_at <= dt.timedelta(
        days=REJECTED_SHOWN_DAYS
    )


def person_todos(person: InsuredPerson) -> list[Todo]:
    """One query: only the newest application can still have a next step."""
    application = selectors.latest_application_for_person(person_id=person.pk)
    if application is None:
        return []
    regions = {"from": application["from_region"], "to": application["to_region"]}
    title = _("转移接续：%(from)s → %(to)s") % regions
    status = application["status"]
    if status == TransferStatus.SUBMITTED:
        detail = _("下一步：转出地（%(from)s）医保经办机构审核，审核通过后转入地接收。") % regions
        deadline = application["out_due"]
    elif status == TransferStatus.OUT_APPROVED:
        detail = _("下一步：转入地（%(to)s）医保经办机构接收，办结后即可查看参保凭证。") % regions
        deadline = application["complete_due"]
    elif status == TransferStatus.REJECTED and _recent(application["finished_at"]):
        detail = _("未通过：%(reason)s 您可以按原因补正后重新申请。") % {
            "reason": application["reject_reason"]
        }
        return [Todo("transfers.rejected", title, detail, reverse("transfers:new"), _("重新申请"))]
    else:
        return []
    url = reverse("transfers:detail", args=[application["id"]])
    return [Todo("transfers.open", title, detail, url, _("查看进度"), deadline)]
