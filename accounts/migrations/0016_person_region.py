"""Where each person is known, owned by the core; filled here from the personal accounts (the
enrollment app fills it from its enrollments in a migration of its own)."""

import django.db.models.deletion
from django.db import migrations, models


def from_personal_accounts(apps, schema_editor):
    PersonRegion = apps.get_model("accounts", "PersonRegion")
    PersonalAccount = apps.get_model("accounts", "PersonalAccount")
    links = PersonRegion._meta.db_table
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {links} (person_id, region_id)
                SELECT DISTINCT a.person_id, a.region_id FROM {PersonalAccount._meta.db_table} a
                WHERE NOT EXISTS (SELECT 1 FROM {links} l
                                  WHERE l.person_id = a.person_id AND l.region_id = a.region_id)"""
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0015_pending_verification_contested'),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonRegion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='region_links', to='accounts.insuredperson', verbose_name='参保人')),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.region', verbose_name='统筹区')),
            ],
            options={
                'verbose_name': '参保人所在统筹区',
                'verbose_name_plural': '参保人所在统筹区',
                'constraints': [models.UniqueConstraint(fields=('person', 'region'), name='person_region_unique')],
            },
        ),
        migrations.RunPython(from_personal_accounts, migrations.RunPython.noop),
    ]
