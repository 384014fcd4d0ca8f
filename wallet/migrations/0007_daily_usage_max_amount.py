from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0006_walletevent_into_core_auditevent"),
    ]

    operations = [
        migrations.AddField(
            model_name="walletdailyusage",
            name="max_amount_fen",
            field=models.BigIntegerField(db_default=0, verbose_name="当日累计金额上限（分）"),
        ),
        # Days already counted keep what they sent: their limit is what went, so the CHECK
        # below holds for them (a later transfer that day copies the region's limit in).
        migrations.RunSQL(
            "UPDATE wallet_walletdailyusage SET max_amount_fen = amount_fen",
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name="walletdailyusage",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_fen__lte", models.F("max_amount_fen"))),
                name="wallet_usage_within_daily_amount",
            ),
        ),
    ]
