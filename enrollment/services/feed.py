"""The person feed: upsert persons and their enrollments, then let the rules follow.

A known national ID with a different name is never renamed: its records keep the reported
name and are suspended for verification (rule 5). New employee/flexible records get their
personal account; a move to resident insurance freezes (封存) it, a return unfreezes it.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.errors import BusinessRuleViolation
from accounts.identity import birth_date_from_national_id
from accounts.models import InsuredPerson
from accounts.services import identity
from accounts.services.periods import accounting_period_require_open
from accounts.services.person_regions import person_regions_link

from ..models import Enrollment, EnrollmentStatus, Scheme
from ..signals import enrollments_changed_on_commit
from .duplicates import name_mismatches_suspend
from .personal_accounts import personal_accounts_freeze_sync, personal_accounts_open_for
from .status_history import history_changed, history_fields, status_changes_record

PERSON_FIELDS = ("phone", "birth_date", "retired", "retired_at", "pension", "died_at")
ENROLLMENT_FIELDS = (
    "employer",
    "status",
    "stopped_at",
    "stop_reason",
    "registered_at",
    "last_paid_at",
    "reported_name",
)
# Our decisions stand while the source still reports the record ACTIVE; a STOPPED report wins.
_OURS = (EnrollmentStatus.SUSPENDED, EnrollmentStatus.MERGED)


@dataclass
class PersonFeedResult:
    persons_created: int = 0
    persons_updated: int = 0
    enrollments_created: int = 0
    enrollments_updated: int = 0
    verification_cases: int = 0
    mismatched_national_ids: list[str] = field(default_factory=list)


def check_period_business(*, rows: list[dict]) -> dict[int, dict[str, list[str]]]:
    """Row errors for business that changes a period under assessment (做账期号核定中):
    在职转退休 (a retirement reported) and 人员增减 (an employee record added or stopped).
    """
    regions = {item["region"].code for row in rows for item in row["enrollments"]}
    blocked = {}
    for code in regions:
        try:
            accounting_period_require_open(region_code=code)
        except BusinessRuleViolation as refusal:
            blocked[code] = refusal.message
    if not blocked:
        return {}
    persons = InsuredPerson.objects.in_bulk(
        [row["national_id"] for row in rows], field_name="national_id"
    )
    employee_records = set(
        Enrollment.objects.filter(
            person__in=persons.values(), region_id__in=blocked, scheme=Scheme.EMPLOYEE
        ).values_list("person__national_id", "region_id", "record_id", "status")
    )
    known = {(nid, region, record) for nid, region, record, _status in employee_records}
    active = {
        (nid, region, record)
        for nid, region, record, st in employee_records
        if st == EnrollmentStatus.ACTIVE
    }
    errors: dict[int, dict[str, list[str]]] = {}
    for index, row in enumerate(rows):
        person = persons.get(row["national_id"])
        for position, item in enumerate(row["enrollments"]):
            region = item["region"].code
            if region not in blocked:
                continue
            key = (row["national_id"], region, item.get("record_id") or "")
            retiring = person is not None and row["retired"] and not person.retired
            changes_staff = item["scheme"] == Scheme.EMPLOYEE and (
                key not in known or (item["status"] == EnrollmentStatus.STOPPED and key in active)
            )
            if retiring:
                errors.setdefault(index, {})["retired"] = [blocked[region]]
            if changes_staff:
                errors.setdefault(index, {})[f"enrollments[{position}]"] = [blocked[region]]
    return errors


def _feed_status(current: str | None, reported: str) -> str:
    """The source reports ACTIVE or STOPPED; our suspension (暂停) or merge stands until staff
    lift it."""
    if current in _OURS and reported == EnrollmentStatus.ACTIVE:
        return current
    return reported


def _upsert_persons(rows: list[dict], result: PersonFeedResult, now) -> dict[str, InsuredPerson]:
    ids = [row["national_id"] for row in rows]
    persons = InsuredPerson.objects.select_for_update().in_bulk(ids, field_name="national_id")
    to_create, to_update, phone_changes = [], [], []
    for row in rows:
        values = {
            "phone": row.get("phone") or "",
            "birth_date": row.get("birth_date") or birth_date_from_national_id(row["national_id"]),
            "retired": row["retired"],
            "retired_at": row.get("retired_at") if row["retired"] else None,
            "pension": row.get("pension"),
            "died_at": row.get("died_at"),
        }
        person = persons.get(row["national_id"])
        if person is None:
            to_create.append(
                InsuredPerson(national_id=row["national_id"], name=row["name"], **values)
            )
            continue
        if person.name != row["name"]:
            # Possibly someone else's data: change nothing until the name is verified.
            result.mismatched_national_ids.append(person.national_id)
            continue
        if "died_at" not in row:  # only an explicit null corrects a death reported in error
            values["died_at"] = person.died_at
        if row["retired"] and "retired_at" not in row:  # a source that does not send the date
            values["retired_at"] = person.retired_at
        if not values["phone"]:
            values["phone"] = person.phone
        elif person.phone and values["phone"] != person.phone:
            # The source system changed the phone: transfers out wait, the old phone is told.
            phone_changes.append((person, person.phone))
            person.phone_changed_at = now
        if any(getattr(person, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(person, name, value)
            person.updated_at = now
            to_update.append(person)
    for person in InsuredPerson.objects.bulk_create(to_create, batch_size=1000):
        persons[person.national_id] = person
    InsuredPerson.objects.bulk_update(
        to_update, [*PERSON_FIELDS, "phone_changed_at", "updated_at"], batch_size=1000
    )
    for person, old_phone in phone_changes:
        identity.person_phone_change_notify(person=person, old_phone=old_phone)
    result.persons_created, result.persons_updated = len(to_create), len(to_update)
    return persons


def _upsert_enrollments(
    rows, persons, result: PersonFeedResult, now, source: str
) -> list[Enrollment]:
    existing = {
        (e.person_id, e.region_id, e.scheme, e.record_id): e
        for e in Enrollment.objects.select_for_update().filter(person__in=persons.values())
    }
    mismatched = set(result.mismatched_national_ids)
    to_create, to_update, changed = [], [], []
    for row in rows:
        person = persons[row["national_id"]]
        for item in row["enrollments"]:
            key = (person.pk, item["region"].code, item["scheme"], item.get("record_id") or "")
            employer = item.get("employer")
            values = {
                # By id: comparing the related object would load each record's employer.
                "employer_id": employer.pk if employer else None,
                "registered_at": item["registered_at"],
                "last_paid_at": item.get("last_paid_at"),
                "stopped_at": item.get("stopped_at"),
                "stop_reason": item.get("stop_reason") or "",
                # The name this source holds, kept until verified (核实).
                "reported_name": row["name"] if row["national_id"] in mismatched else "",
            }
            enrollment = existing.get(key)
            if enrollment is None:
                enrollment = Enrollment(
                    person=person,
                    region=item["region"],
                    scheme=item["scheme"],
                    record_id=key[3],
                    status=item["status"],
                    **values,
                )
                existing[key] = enrollment
                to_create.append(enrollment)
                continue
            values["status"] = _feed_status(enrollment.status, item["status"])
            if any(getattr(enrollment, name) != value for name, value in values.items()):
                before = history_fields(enrollment)
                for name, value in values.items():
                    setattr(enrollment, name, value)
                enrollment.updated_at = now
                to_update.append(enrollment)
                if history_changed(before=before, enrollment=enrollment):
                    changed.append((enrollment, before[0]))
    Enrollment.objects.bulk_create(to_create, batch_size=1000)
    Enrollment.objects.bulk_update(to_update, [*ENROLLMENT_FIELDS, "updated_at"], batch_size=1000)
    status_changes_record(changes=[*((e, "") for e in to_create), *changed], source=source, now=now)
    result.enrollments_created, result.enrollments_updated = len(to_create), len(to_update)
    return to_create


@transaction.atomic
def persons_feed_apply(*, rows: list[dict], source: str) -> PersonFeedResult:
    """Upsert persons by national ID and enrollments by (ID, region, scheme, record_id).

    Rows arrive validated as a whole: either every row applies or none does.
    """
    result = PersonFeedResult()
    now = timezone.now()
    persons = _upsert_persons(rows, result, now)
    created = _upsert_enrollments(rows, persons, result, now, source)
    person_regions_link(pairs=[(e.person_id, e.region_id) for e in created])
    mismatched = [persons[national_id].pk for national_id in result.mismatched_national_ids]
    result.verification_cases, _suspended = name_mismatches_suspend(
        person_ids=mismatched, source=source
    )
    personal_accounts_open_for(enrollments=created)
    person_ids = [person.pk for person in persons.values()]
    personal_accounts_freeze_sync(person_ids=person_ids)
    enrollments_changed_on_commit(person_ids=person_ids)
    return result
