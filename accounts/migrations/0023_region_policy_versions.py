"""Rates, the contribution band and the retiree credit become dated (RegionPolicyVersion).

Today's values of each region hold from the earliest period on; later versions are added by
staff. On PostgreSQL the credit's change log (migration 0007) covers the versions too.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

DATED = (
    "average_wage",
    "base_floor_percent",
    "base_ceiling_percent",
    "employer_rate",
    "individual_rate",
    "credit_extra_rate",
    "retiree_credit_rule",
    "retiree_age_threshold",
    "retiree_amount_below",
    "retiree_amount_from",
    "average_pension",
    "retiree_percent_below",
    "retiree_percent_from",
)
EARLIEST = "190001"


def copy_dated_values(apps, schema_editor):
    RegionPolicy = apps.get_model("accounts", "RegionPolicy")
    RegionPolicyVersion = apps.get_model("accounts", "RegionPolicyVersion")
    RegionPolicyVersion.objects.bulk_create(
        RegionPolicyVersion(
            region_id=policy.region_id,
            valid_from_period=EARLIEST,
            **{name: getattr(policy, name) for name in DATED},
        )
        for policy in RegionPolicy.objects.all()
    )


def copy_back(apps, schema_editor):
    """The version in force now becomes the undated policy again."""
    RegionPolicy = apps.get_model("accounts", "RegionPolicy")
    RegionPolicyVersion = apps.get_model("accounts", "RegionPolicyVersion")
    for policy in RegionPolicy.objects.all():
        version = (
            RegionPolicyVersion.objects.filter(region_id=policy.region_id)
            .order_by("-valid_from_period")
            .first()
        )
        if version is not None:
            for name in DATED:
                setattr(policy, name, getattr(version, name))
            policy.save()


LOG_VERSIONS = """
CREATE TRIGGER credit_inputs_insert AFTER INSERT ON accounts_regionpolicyversion
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_update AFTER UPDATE ON accounts_regionpolicyversion
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_delete AFTER DELETE ON accounts_regionpolicyversion
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_truncate AFTER TRUNCATE ON accounts_regionpolicyversion
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_truncated();
"""
UNLOG_VERSIONS = """
DROP TRIGGER IF EXISTS credit_inputs_insert ON accounts_regionpolicyversion;
DROP TRIGGER IF EXISTS credit_inputs_update ON accounts_regionpolicyversion;
DROP TRIGGER IF EXISTS credit_inputs_delete ON accounts_regionpolicyversion;
DROP TRIGGER IF EXISTS credit_inputs_truncate ON accounts_regionpolicyversion;
"""


def log_version_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(LOG_VERSIONS, params=None)


def unlog_version_changes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNLOG_VERSIONS, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0022_transfer_policy_and_transit"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegionPolicyVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "valid_from_period",
                    models.CharField(
                        max_length=6,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^(19|20)\\d\\d(0[1-9]|1[0-2])$", "做账期号格式为 YYYYMM。"
                            )
                        ],
                        verbose_name="起始期号",
                    ),
                ),
                (
                    "average_wage",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("7000.00"),
                        max_digits=14,
                        verbose_name="社会平均工资（月）",
                    ),
                ),
                (
                    "base_floor_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("60"),
                        max_digits=5,
                        verbose_name="缴费基数下限（社平工资%）",
                    ),
                ),
                (
                    "base_ceiling_percent",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("300"),
                        max_digits=5,
                        verbose_name="缴费基数上限（社平工资%）",
                    ),
                ),
                (
                    "employer_rate",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0.0800"),
                        max_digits=6,
                        verbose_name="单位缴费费率",
                    ),
                ),
                (
                    "individual_rate",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0.0200"),
                        max_digits=6,
                        verbose_name="个人缴费费率",
                    ),
                ),
                (
                    "credit_extra_rate",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0"),
                        help_text="在职职工除个人缴费外，政策另行划入的比例。",
                        max_digits=6,
                        verbose_name="个人账户额外划入比例（缴费基数）",
                    ),
                ),
                (
                    "retiree_credit_rule",
                    models.CharField(
                        choices=[
                            ("FIXED", "定额划入"),
                            ("PENSION_PERCENT", "按平均养老金比例划入"),
                            ("OWN_PENSION_PERCENT", "按本人养老金比例划入（封顶）"),
                        ],
                        default="FIXED",
                        max_length=20,
                        verbose_name="退休人员划入规则",
                    ),
                ),
                (
                    "retiree_age_threshold",
                    models.PositiveSmallIntegerField(default=70, verbose_name="年龄分档（岁）"),
                ),
                (
                    "retiree_amount_below",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("85.00"),
                        max_digits=14,
                        verbose_name="定额：分档年龄以下（元/月）",
                    ),
                ),
                (
                    "retiree_amount_from",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("85.00"),
                        max_digits=14,
                        verbose_name="定额：分档年龄及以上（元/月）",
                    ),
                ),
                (
                    "average_pension",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("3500.00"),
                        max_digits=14,
                        verbose_name="统筹区平均养老金（元/月）",
                    ),
                ),
                (
                    "retiree_percent_below",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0.0200"),
                        max_digits=6,
                        verbose_name="比例：分档年龄以下",
                    ),
                ),
                (
                    "retiree_percent_from",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0.0250"),
                        max_digits=6,
                        verbose_name="比例：分档年龄及以上",
                    ),
                ),
                (
                    "retiree_pension_percent",
                    models.DecimalField(
                        decimal_places=4,
                        default=Decimal("0"),
                        max_digits=6,
                        verbose_name="本人养老金划入比例",
                    ),
                ),
                (
                    "retiree_pension_cap",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        help_text="留空表示不封顶。",
                        max_digits=14,
                        null=True,
                        verbose_name="本人养老金划入封顶（元/月）",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
            ],
            options={
                "verbose_name": "统筹区政策版本",
                "verbose_name_plural": "统筹区政策版本",
                "ordering": ["region", "-valid_from_period"],
            },
        ),
        migrations.AddField(
            model_name="regionpolicyversion",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="policy_versions",
                to="accounts.region",
                verbose_name="统筹区",
            ),
        ),
        migrations.AddConstraint(
            model_name="regionpolicyversion",
            constraint=models.UniqueConstraint(
                fields=("region", "valid_from_period"), name="policy_version_region_period"
            ),
        ),
        migrations.AddConstraint(
            model_name="regionpolicyversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("base_floor_percent__lte", models.F("base_ceiling_percent"))),
                name="policy_version_base_floor_below_ceiling",
            ),
        ),
        migrations.AddConstraint(
            model_name="regionpolicyversion",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("retiree_pension_cap__isnull", True),
                    ("retiree_pension_cap__gte", 0),
                    _connector="OR",
                ),
                name="policy_version_pension_cap_not_negative",
            ),
        ),
        migrations.RunPython(copy_dated_values, copy_back),
        migrations.RemoveConstraint(
            model_name="regionpolicy",
            name="policy_base_floor_below_ceiling",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="average_pension",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="average_wage",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="base_ceiling_percent",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="base_floor_percent",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="credit_extra_rate",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="employer_rate",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="individual_rate",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_age_threshold",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_amount_below",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_amount_from",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_credit_rule",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_percent_below",
        ),
        migrations.RemoveField(
            model_name="regionpolicy",
            name="retiree_percent_from",
        ),
        migrations.RunPython(log_version_changes, unlog_version_changes),
    ]
