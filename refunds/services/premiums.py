"""Resident premiums (城乡居民医保缴费) on record: the tax department's feed and wallet-paid
premiums. One premium per person, region and benefit year (a unique constraint).

The same premium reported again is not an error (nothing changes). A different amount for a
premium on record is a row error (`amount_differs`): a correction is staff's business, and an
open refund may already be counting on the amount on record."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts.identity import normalize_national_id
from accounts.models import InsuredPerson, Region, fen_to_yuan

from ..models import ResidentPremium
from .batches import _fen, _is_code, _national_id_error

MAX_PREMIUMS = 10_000


class PremiumsInvalid(Exception):
    """Bad rows: `errors` maps each field (`premiums[2].amount`) to its messages. Nothing was
    applied."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(
            _("居民医保缴费有 %(count)d 处错误，整批未接收。") % {"count": len(errors)}
        )
        self.message = str(self.args[0])
        self.errors = errors


def _paid_at(value) -> dt.datetime | None:
    """An ISO date-time (a bare date is midnight in Asia/Shanghai); None when not one."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = None if day is None else dt.datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _parse(premiums: list, errors: dict) -> list[tuple]:
    """Each row's own checks: (index, national_id, region code, year, fen, paid_at)."""
    parsed = []
    for index, row in enumerate(premiums):
        prefix = f"premiums[{index}]"
        if not isinstance(row, dict):
            errors[prefix] = [_("每条缴费记录是一个对象。")]
            continue
        national_id = normalize_national_id(row.get("national_id"))
        region, year = row.get("region"), row.get("year")
        amount, paid_at = _fen(row.get("amount")), _paid_at(row.get("paid_at"))
        before = len(errors)
        if not _is_code(national_id, 18):
            errors[f"{prefix}.national_id"] = [_national_id_error(national_id)]
        if not _is_code(region, 6):
            errors[f"{prefix}.region"] = [_("统筹区代码是6位。")]
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            errors[f"{prefix}.year"] = [_("待遇年度是2000到2100之间的整数。")]
        if amount is None:
            errors[f"{prefix}.amount"] = [_("缴费金额是大于0、最多两位小数的金额（元）。")]
        if paid_at is None:
            errors[f"{prefix}.paid_at"] = [
                _("缴费时间格式为 ISO 8601，例如 2025-10-08T10:00:00+08:00。")
            ]
        if len(errors) == before:
            parsed.append((index, national_id, region, year, amount, paid_at))
    return parsed


def resident_premiums_receive(*, premiums) -> dict[str, int]:
    """Record the premiums the tax department reports, all or nothing.

    Answers {"received": new ones, "unchanged": ones already on record}. Refuses
    (`PremiumsInvalid`, row by row) an unknown person or region, a bad year, amount or time,
    one premium twice with different amounts, and a different amount for a premium on record.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(premiums, list) or not premiums:
        raise PremiumsInvalid({"premiums": [_("缴费记录不能为空。")]})
    if len(premiums) > MAX_PREMIUMS:
        raise PremiumsInvalid(
            {"premiums": [_("一次最多报送 %(max)d 条。") % {"max": MAX_PREMIUMS}]}
        )
    rows = _parse(premiums, errors)
    persons = dict(
        InsuredPerson.objects.filter(national_id__in={r[1] for r in rows}).values_list(
            "national_id", "pk"
        )
    )
    regions = set(Region.objects.filter(pk__in={r[2] for r in rows}).values_list("pk", flat=True))
    with transaction.atomic():
        on_record = {
            (p.person_id, p.region_id, p.year): p.amount_fen
            for p in ResidentPremium.objects.select_for_update().filter(
                person_id__in=persons.values(), year__in={r[3] for r in rows}
            )
        }
        seen: dict[tuple, tuple[int, int]] = {}
        new = []
        for index, national_id, region, year, amount, paid_at in rows:
            prefix = f"premiums[{index}]"
            person_id = persons.get(national_id)
            if person_id is None:
                errors[f"{prefix}.national_id"] = [
                    _("参保人 %(id)s 不存在。") % {"id": national_id}
                ]
            if region not in regions:
                errors[f"{prefix}.region"] = [_("统筹区 %(code)s 不存在。") % {"code": region}]
            if person_id is None or region not in regions:
                continue
            key = (person_id, region, year)
            known = on_record.get(key)
            if known is None and key in seen:
                known = seen[key][1]
            if known is not None and known != amount:
                errors[f"{prefix}.amount"] = [
                    _(
                        "该参保人 %(year)d 年度已有缴费 %(amount)s 元，金额不同；更正请联系经办机构。"
                    )
                    % {"year": year, "amount": fen_to_yuan(known)}
                ]
                continue
            if known is None:
                seen[key] = (index, amount)
                new.append(
                    ResidentPremium(
                        person_id=person_id,
                        region_id=region,
                        year=year,
                        amount_fen=amount,
                        paid_at=paid_at,
                        source=ResidentPremium.Source.FEED,
                    )
                )
        if errors:
            raise PremiumsInvalid(errors)
        ResidentPremium.objects.bulk_create(new)
    return {"received": len(new), "unchanged": len(rows) - len(new)}


def resident_premium_record(
    *, person: InsuredPerson, region: Region, year: int, amount_fen: int, paid_at: dt.datetime
) -> ResidentPremium:
    """A premium paid from a family wallet (医保钱包代缴) counts as a premium too; one on record
    already (reported by the tax department, or this payment again) is kept as it is."""
    existing = ResidentPremium.objects.filter(person=person, region=region, year=year).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return ResidentPremium.objects.create(
                person=person,
                region=region,
                year=year,
                amount_fen=amount_fen,
                paid_at=paid_at,
                source=ResidentPremium.Source.WALLET,
            )
    except IntegrityError:  # the feed reported it at the same moment
        return ResidentPremium.objects.get(person=person, region=region, year=year)
