"""Load the pooling regions of Shaanxi, Shanxi, Beijing and Shanghai with default policies."""

import csv
from decimal import Decimal
from pathlib import Path

from django.db import migrations

REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "regions.csv"

# Province-level defaults (staff adjust them in the admin). Retiree rules follow SPEC §3:
# Beijing fixed 97/107 by age band, Shanxi fixed 85, Shaanxi and Shanghai a percent of the
# region's average pension (2% under 70, 2.5% from 70).
DEFAULTS = {
    "北京市": {
        "average_wage": Decimal("11937.00"), "employer_rate": Decimal("0.0980"),
        "retiree_credit_rule": "FIXED",
        "retiree_amount_below": Decimal("97.00"), "retiree_amount_from": Decimal("107.00"),
    },
    "上海市": {
        "average_wage": Decimal("12434.00"), "employer_rate": Decimal("0.0950"),
        "retiree_credit_rule": "PENSION_PERCENT", "average_pension": Decimal("4800.00"),
    },
    "山西省": {
        "average_wage": Decimal("6400.00"), "employer_rate": Decimal("0.0750"),
        "retiree_credit_rule": "FIXED",
        "retiree_amount_below": Decimal("85.00"), "retiree_amount_from": Decimal("85.00"),
    },
    "陕西省": {
        "average_wage": Decimal("7200.00"), "employer_rate": Decimal("0.0800"),
        "retiree_credit_rule": "PENSION_PERCENT", "average_pension": Decimal("3300.00"),
    },
}


def load_regions(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    RegionPolicy = apps.get_model("accounts", "RegionPolicy")
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            region, _created = Region.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "province": row["province"]}
            )
            RegionPolicy.objects.get_or_create(
                region=region, defaults=DEFAULTS.get(row["province"], {})
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(load_regions, migrations.RunPython.noop)]
