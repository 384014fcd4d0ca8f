"""Repair stored dates outside 1900-01-01..2100-12-31 before the CHECK constraints arrive.

Such rows came in before the feeds refused them (a time like 9999-12-31T23:59:59-12:00 is
year 10000 in UTC and made every later read of the row fail). Only the bad columns are
touched, in SQL, so the bad values are never read into Python:

- a person's birth date becomes the one in their national ID (the source it must agree
  with), or empty when that one is out of range too;
- a contribution's arrival time (paid_at) becomes the time the row was recorded: it had
  arrived by then, and emptying it would turn a paid contribution into an unpaid one.
"""

import datetime as dt

from django.db import migrations
from django.db.models import F, Q

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# The constraints' bounds for times: a day wider on either side than the dates.
STORED_FROM = dt.datetime(1899, 12, 31, tzinfo=dt.UTC)
STORED_UNTIL = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)


def _birth_date(national_id: str) -> dt.date | None:
    try:
        born = dt.date(int(national_id[6:10]), int(national_id[10:12]), int(national_id[12:14]))
    except ValueError:
        return None
    return born if DATE_MIN <= born <= DATE_MAX else None


def repair(apps, schema_editor):
    InsuredPerson = apps.get_model("accounts", "InsuredPerson")
    Contribution = apps.get_model("accounts", "Contribution")
    bad_birth = Q(birth_date__lt=DATE_MIN) | Q(birth_date__gt=DATE_MAX)
    for pk, national_id in InsuredPerson.objects.filter(bad_birth).values_list(
        "pk", "national_id"
    ):
        InsuredPerson.objects.filter(pk=pk).update(birth_date=_birth_date(national_id))
    Contribution.objects.filter(
        Q(paid_at__lt=STORED_FROM) | Q(paid_at__gte=STORED_UNTIL)
    ).update(paid_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ('accounts', '0012_wallet_code_and_phone_limits'),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
