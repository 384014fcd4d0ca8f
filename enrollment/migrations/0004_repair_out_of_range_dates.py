"""Repair enrollment times outside 1900-01-01..2100-12-31 before the CHECK constraints arrive.

Such rows came in through the person feed before it refused them (a time that is year 10000
in UTC made every later read of the row fail). Only the bad columns are touched, in SQL, so
the bad values are never read into Python:

- registered_at (required) becomes the row's last write (updated_at), a real moment no
  earlier than the registration;
- last_paid_at (optional) is emptied: no payment time is known.
"""

import datetime as dt

from django.db import migrations
from django.db.models import F, Q

# The constraints' bounds for times: a day wider on either side than 1900-01-01..2100-12-31.
STORED_FROM = dt.datetime(1899, 12, 31, tzinfo=dt.UTC)
STORED_UNTIL = dt.datetime(2101, 1, 1, tzinfo=dt.UTC)


def repair(apps, schema_editor):
    Enrollment = apps.get_model("enrollment", "Enrollment")
    Enrollment.objects.filter(
        Q(registered_at__lt=STORED_FROM) | Q(registered_at__gte=STORED_UNTIL)
    ).update(registered_at=F("updated_at"))
    Enrollment.objects.filter(
        Q(last_paid_at__lt=STORED_FROM) | Q(last_paid_at__gte=STORED_UNTIL)
    ).update(last_paid_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0003_case_bulk_references"),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
