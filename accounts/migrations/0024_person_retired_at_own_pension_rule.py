"""Retirees: the retirement date (the credit starts the month after it) and, as seed 004 says,
Beijing's and Shanghai's retiree credit as a percent of the person's own pension with a cap.
On PostgreSQL the credit's change log (migration 0007) covers pension and retirement date.
"""

import datetime
from decimal import Decimal

from django.db import migrations, models

import accounts.identity

# Seed 004: 北京市退休人员的返还比例为养老金的3.5%，最高不超过500元；上海市为养老金的4%，最高不超过600元。
OWN_PENSION = {
    "110100": (Decimal("0.0350"), Decimal("500.00")),
    "310100": (Decimal("0.0400"), Decimal("600.00")),
}


def own_pension_rule(apps, schema_editor):
    RegionPolicyVersion = apps.get_model("accounts", "RegionPolicyVersion")
    for code, (percent, cap) in OWN_PENSION.items():
        RegionPolicyVersion.objects.filter(region_id=code).update(
            retiree_credit_rule="OWN_PENSION_PERCENT",
            retiree_pension_percent=percent,
            retiree_pension_cap=cap,
        )


def previous_rules(apps, schema_editor):
    """Migration 0002's rules: Beijing fixed 97/107, Shanghai a percent of the average."""
    RegionPolicyVersion = apps.get_model("accounts", "RegionPolicyVersion")
    RegionPolicyVersion.objects.filter(region_id="110100").update(retiree_credit_rule="FIXED")
    RegionPolicyVersion.objects.filter(region_id="310100").update(
        retiree_credit_rule="PENSION_PERCENT"
    )


PERSON_INPUTS = """
CREATE OR REPLACE FUNCTION accounts_credit_inputs_by_person() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_creditinputchange (region_id)
    SELECT DISTINCT pa.region_id FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    JOIN accounts_personalaccount pa ON pa.person_id = n.id
    WHERE (n.retired, n.birth_date, n.pension, n.retired_at)
          IS DISTINCT FROM (o.retired, o.birth_date, o.pension, o.retired_at);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""
PREVIOUS_PERSON_INPUTS = """
CREATE OR REPLACE FUNCTION accounts_credit_inputs_by_person() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_creditinputchange (region_id)
    SELECT DISTINCT pa.region_id FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    JOIN accounts_personalaccount pa ON pa.person_id = n.id
    WHERE (n.retired, n.birth_date) IS DISTINCT FROM (o.retired, o.birth_date);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def log_person_inputs(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PERSON_INPUTS, params=None)


def unlog_person_inputs(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS_PERSON_INPUTS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0023_region_policy_versions"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="insuredperson",
            name="person_retired_birth_date",
        ),
        migrations.AddField(
            model_name="insuredperson",
            name="retired_at",
            field=models.DateField(
                blank=True,
                null=True,
                validators=[accounts.identity.validate_date_in_range],
                verbose_name="退休日期",
            ),
        ),
        migrations.AddIndex(
            model_name="insuredperson",
            index=models.Index(
                condition=models.Q(("retired", True)),
                fields=["id", "birth_date"],
                include=("pension", "retired_at"),
                name="person_retired_credit_inputs",
            ),
        ),
        migrations.AddConstraint(
            model_name="insuredperson",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("retired_at__isnull", True),
                    models.Q(
                        ("retired_at__gte", datetime.date(1900, 1, 1)),
                        ("retired_at__lte", datetime.date(2100, 12, 31)),
                    ),
                    _connector="OR",
                ),
                name="person_retired_at_in_range",
            ),
        ),
        migrations.RunPython(own_pension_rule, previous_rules),
        migrations.RunPython(log_person_inputs, unlog_person_inputs),
    ]
