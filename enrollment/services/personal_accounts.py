"""Personal accounts follow enrollments: opened with an employee scheme, frozen (封存) on a move
to resident insurance, unfrozen on a return. The accounts themselves belong to `accounts`;
this module only decides when to call its services.
"""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import InsuredPerson, PersonalAccount, Region
from accounts.services import personal_accounts as accounts

from ..models import EMPLOYEE_SCHEMES, Enrollment, EnrollmentStatus, Scheme

# Stored on the account (data, not a translated label); the portal explains it.
FREEZE_REASON = "停保转居民医保：个人账户封存，余额保留，可用金额为0"
_ALIVE = (EnrollmentStatus.ACTIVE, EnrollmentStatus.SUSPENDED)


def personal_accounts_open_for(*, enrollments: list[Enrollment]) -> int:
    """Open the account of every employee/flexible enrollment that has none yet (same 个人编号),
    retirees included (no contribution is paid for them, the retiree credit is). The account
    counts from the record's registration month (入库): a retiree fed today is credited for
    the assessed periods since then, from the month after retirement."""
    wanted: dict[tuple[int, str, str], tuple[InsuredPerson, Region, str, str]] = {}
    for enrollment in enrollments:
        if enrollment.scheme in EMPLOYEE_SCHEMES:
            key = (enrollment.person_id, enrollment.region_id, enrollment.record_id)
            registered = timezone.localdate(enrollment.registered_at).strftime("%Y%m")
            wanted[key] = (enrollment.person, enrollment.region, enrollment.record_id, registered)
    if not wanted:
        return 0
    existing = set(
        PersonalAccount.objects.filter(person_id__in={k[0] for k in wanted}).values_list(
            "person_id", "region_id", "record_id"
        )
    )
    by_period: dict[str, list[tuple[InsuredPerson, Region, str]]] = defaultdict(list)
    for key, (person, region, record_id, registered) in wanted.items():
        if key not in existing:
            by_period[registered].append((person, region, record_id))
    for opened_period, records in sorted(by_period.items()):
        accounts.personal_accounts_open_many(records=records, opened_period=opened_period)
    return sum(len(records) for records in by_period.values())


def personal_accounts_freeze_sync(*, person_ids=None) -> tuple[int, int]:
    """封存 / 解封 for these persons (everyone when None); returns (frozen, unfrozen).

    Frozen: no employee/flexible enrollment is active or suspended any more, and a resident
    one is. Unfrozen: an employee/flexible enrollment is active again. The feed calls it for
    its persons; a nightly sweep catches changes made any other way.
    """
    accounts_of = PersonalAccount.objects.all()
    if person_ids is not None:
        person_ids = list(person_ids)
        if not person_ids:
            return 0, 0
        accounts_of = accounts_of.filter(person_id__in=person_ids)
    employee_alive = Enrollment.objects.filter(
        person=OuterRef("person"), scheme__in=EMPLOYEE_SCHEMES, status__in=_ALIVE
    )
    resident_alive = Enrollment.objects.filter(
        person=OuterRef("person"), scheme=Scheme.RESIDENT, status__in=_ALIVE
    )
    employee_active = Enrollment.objects.filter(
        person=OuterRef("person"), scheme__in=EMPLOYEE_SCHEMES, status=EnrollmentStatus.ACTIVE
    )
    freeze = (
        Q(status=PersonalAccount.Status.ACTIVE) & ~Exists(employee_alive) & Exists(resident_alive)
    )
    unfreeze = Q(status=PersonalAccount.Status.FROZEN, status_reason=FREEZE_REASON) & Exists(
        employee_active
    )
    changing = list(accounts_of.filter(freeze | unfreeze).order_by("pk"))
    to_freeze = [a for a in changing if a.status == PersonalAccount.Status.ACTIVE]
    to_unfreeze = [a for a in changing if a.status == PersonalAccount.Status.FROZEN]
    for account in to_freeze:
        accounts.personal_account_freeze(account=account, reason=FREEZE_REASON)
    for account in to_unfreeze:
        accounts.personal_account_unfreeze(account=account)
    return len(to_freeze), len(to_unfreeze)
