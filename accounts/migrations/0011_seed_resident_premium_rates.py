"""Placeholder resident premium rates for every region: staff set the real ones in the admin."""

from django.db import migrations

# 居民医保个人缴费标准 placeholders, in fen: 2025 is the national minimum (400 yuan);
# later years repeat it until each region's staff enter the published figure.
PLACEHOLDER_FEN = {2025: 40_000, 2026: 40_000, 2027: 40_000}


def seed(apps, schema_editor):
    Region = apps.get_model("accounts", "Region")
    Rate = apps.get_model("accounts", "ResidentPremiumRate")
    Rate.objects.bulk_create(
        [
            Rate(region_id=code, year=year, amount_fen=fen)
            for code in Region.objects.values_list("code", flat=True)
            for year, fen in PLACEHOLDER_FEN.items()
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_premium_rates_designated_institutions"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
