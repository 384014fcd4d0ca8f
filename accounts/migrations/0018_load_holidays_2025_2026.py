"""Load the State Council's 2025 and 2026 holidays and make-up working days (调休上班).

Later years: `manage.py load_holidays --years 2027` once the schedule is published and the
holidays package has it.
"""

from django.db import migrations

from accounts.services.calendar_days import state_council_days


def load_holidays(apps, schema_editor):
    CalendarDay = apps.get_model("accounts", "CalendarDay")
    for day in state_council_days(years=[2025, 2026]):
        CalendarDay.objects.get_or_create(
            date=day.date, region=None, defaults={"kind": day.kind, "name": day.name}
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0017_calendar_day")]

    operations = [migrations.RunPython(load_holidays, migrations.RunPython.noop)]
