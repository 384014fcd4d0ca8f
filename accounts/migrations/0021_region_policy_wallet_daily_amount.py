from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0020_outbox_becomes_notification'),
    ]

    operations = [
        migrations.AddField(
            model_name='regionpolicy',
            name='wallet_max_daily_amount',
            field=models.DecimalField(decimal_places=2, default=Decimal('2000.00'), max_digits=14, verbose_name='每日转账累计上限（元）'),
        ),
    ]
