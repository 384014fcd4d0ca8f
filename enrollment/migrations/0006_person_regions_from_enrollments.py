"""Every person is known to the core in each region where they have an enrollment."""

from django.db import migrations


def from_enrollments(apps, schema_editor):
    PersonRegion = apps.get_model("accounts", "PersonRegion")
    Enrollment = apps.get_model("enrollment", "Enrollment")
    links = PersonRegion._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {links} (person_id, region_id)
                SELECT DISTINCT e.person_id, e.region_id FROM {Enrollment._meta.db_table} e
                WHERE NOT EXISTS (SELECT 1 FROM {links} l
                                  WHERE l.person_id = e.person_id AND l.region_id = e.region_id)"""
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_person_region"),
        ("enrollment", "0005_enrollment_dates_in_range"),
    ]

    operations = [
        migrations.RunPython(from_enrollments, migrations.RunPython.noop),
    ]
