"""Statements read an account's newest postings first: (account, created_at, id) per direction.
The composite indexes replace the foreign keys' single-column ones (same leading column)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0024_person_retired_at_own_pension_rule'),
    ]

    operations = [
        migrations.AlterField(
            model_name='posting',
            name='from_account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='outgoing_postings', to='accounts.ledgeraccount', verbose_name='转出账户'),
        ),
        migrations.AlterField(
            model_name='posting',
            name='to_account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='incoming_postings', to='accounts.ledgeraccount', verbose_name='转入账户'),
        ),
        migrations.AddIndex(
            model_name='posting',
            index=models.Index(fields=['from_account', 'created_at', 'id'], name='posting_from_time'),
        ),
        migrations.AddIndex(
            model_name='posting',
            index=models.Index(fields=['to_account', 'created_at', 'id'], name='posting_to_time'),
        ),
    ]
