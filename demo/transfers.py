"""Demo 转移接续: persons who left Xi'an (stopped, paid) for Taiyuan (enrolled), with one
application in each state and one overdue, made through the transfer services."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.identity import national_id_check_char
from accounts.models import InsuredPerson, Region, User
from accounts.services.contributions import contributions_feed_apply
from accounts.services.periods import accounting_period_open
from accounts.services.person_regions import person_regions_link
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import Enrollment, EnrollmentStatus, Scheme
from transfers.models import TransferApplication
from transfers.services import (
    transfer_apply,
    transfer_due_dates,
    transfer_in_accept,
    transfer_out_approve,
    transfer_reject,
    transfer_withdraw,
)

from .balances import demo_balance_post
from .guide import DemoLogin

FROM, TO = "610100", "140100"
PAID_MONTHS = [f"2025{month:02d}" for month in range(1, 13)]
# The open period transfers touch: the demo's 2026 periods up to October are assessed.
OPEN_PERIOD = "202611"
_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass(frozen=True)
class _DemoApplicant:
    name: str
    male: bool
    birth: dt.date
    state: str


APPLICANTS = [
    _DemoApplicant("秦思远", True, dt.date(1988, 5, 20), "SUBMITTED"),
    _DemoApplicant("白雅琴", False, dt.date(1990, 8, 8), "OVERDUE"),
    _DemoApplicant("邵文博", True, dt.date(1985, 1, 30), "OUT_APPROVED"),
    _DemoApplicant("贺梦瑶", False, dt.date(1992, 12, 12), "COMPLETED"),
    _DemoApplicant("蒋振华", True, dt.date(1979, 7, 7), "REJECTED"),
    _DemoApplicant("陆晓燕", False, dt.date(1994, 3, 15), "WITHDRAWN"),
]
STATE_TIPS = {
    "SUBMITTED": "首页待办：等转出地审核，写明办理期限",
    "OVERDUE": "转出地办理已超期：经办后台排在最前",
    "OUT_APPROVED": "首页待办：等转入地接收",
    "COMPLETED": "已办结：下载参保凭证",
    "REJECTED": "首页待办：按未通过的原因补正后重新申请",
    "WITHDRAWN": "已撤回：可以重新申请",
}
STATE_ROLES = {
    "SUBMITTED": "转移接续：已提交",
    "OVERDUE": "转移接续：转出逾期",
    "OUT_APPROVED": "转移接续：待转入地接收",
    "COMPLETED": "转移接续：已办结",
    "REJECTED": "转移接续：未通过",
    "WITHDRAWN": "转移接续：已撤回",
}


def applicant_national_id(prefix: str, index: int) -> str:
    """Sequence numbers from 101 on: apart from the other demo persons' (below 100)."""
    applicant = APPLICANTS[index]
    body = f"{prefix}{applicant.birth:%Y%m%d}{101 + 2 * index + (0 if applicant.male else 1):03d}"
    return body + national_id_check_char(body)


def demo_transfers_seed(*, id_prefix: str, login) -> list[DemoLogin]:
    """Creates what is missing; returns the guide line of every applicant.
    `login(username, name)` gets or creates a person's demo login."""
    for code in (FROM, TO):
        accounting_period_open(region=Region.objects.get(pk=code), period=OPEN_PERIOD)
    staff = {code: User.objects.get(username=f"staff_{name}") for code, name in ((FROM, "xian"), (TO, "taiyuan"))}  # fmt: skip
    logins = []
    for index, applicant in enumerate(APPLICANTS):
        national_id = applicant_national_id(id_prefix, index)
        user = login(national_id, applicant.name)
        person, created = InsuredPerson.objects.get_or_create(
            national_id=national_id,
            defaults={
                "name": applicant.name,
                "phone": f"1390292{index:04d}",
                "birth_date": applicant.birth,
                "user": user,
            },
        )
        if created:
            _history(person, index)
        if not TransferApplication.objects.filter(person=person).exists():
            _application(person, applicant.state, staff)
        logins.append(
            DemoLogin(
                national_id,
                f"参保人·{STATE_ROLES[applicant.state]}",
                applicant.name,
                STATE_TIPS[applicant.state],
            )
        )
    return logins


def _history(person: InsuredPerson, index: int) -> None:
    """Stopped in Xi'an after a year paid, with money in both parts; enrolled in Taiyuan."""
    person_regions_link(pairs=[(person.pk, FROM), (person.pk, TO)])
    Enrollment.objects.create(
        person=person,
        region_id=FROM,
        scheme=Scheme.FLEXIBLE,
        status=EnrollmentStatus.STOPPED,
        registered_at=_at("2018-03-01"),
        last_paid_at=_at("2025-12-15"),
    )
    Enrollment.objects.create(
        person=person,
        region_id=TO,
        scheme=Scheme.FLEXIBLE,
        registered_at=_at("2026-09-01"),
        last_paid_at=_at("2026-11-05"),
    )
    xian = Region.objects.get(pk=FROM)
    # The account the enrollment feed opens for a flexible record: contributions need it.
    account = personal_account_open(person=person, region=xian)
    contributions_feed_apply(
        rows=[
            {
                "person": person,
                "region": xian,
                "period": period,
                "base": Decimal(6000 + 500 * index),
                "paid_at": _at(f"{period[:4]}-{period[4:]}-15"),
            }
            for period in PAID_MONTHS
        ]
    )
    demo_balance_post(
        account, current_fen=1_200_00 + 100 * index, carried_fen=8_650_50, key="demo:transfer"
    )


def _application(person: InsuredPerson, state: str, staff: dict) -> None:
    application = transfer_apply(
        person=person,
        from_region=Region.objects.get(pk=FROM),
        to_region=Region.objects.get(pk=TO),
        scheme=Scheme.FLEXIBLE,
        id_front=SimpleUploadedFile("id-front.png", _PNG, content_type="image/png"),
        id_back=SimpleUploadedFile("id-back.png", _PNG, content_type="image/png"),
    )
    pk = application.pk
    if state == "OVERDUE":
        # Filed 40 days ago: past its 10 working days even across Spring Festival.
        filed = timezone.localdate() - dt.timedelta(days=40)
        out_due, complete_due = transfer_due_dates(
            from_region=application.from_region, to_region=application.to_region, day=filed
        )
        TransferApplication.objects.filter(pk=pk).update(
            submitted_at=_at(filed.isoformat()), out_due=out_due, complete_due=complete_due
        )
        application.events.update(at=_at(filed.isoformat()))
    elif state in ("OUT_APPROVED", "COMPLETED"):
        transfer_out_approve(application_id=pk, by=staff[FROM])
        if state == "COMPLETED":
            transfer_in_accept(application_id=pk, by=staff[TO])
    elif state == "REJECTED":
        transfer_reject(
            application_id=pk, by=staff[FROM], reason="身份证照片不清晰，请重新上传后再申请。"
        )
    elif state == "WITHDRAWN":
        transfer_withdraw(application_id=pk, person=person)


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=timezone.get_default_timezone())
