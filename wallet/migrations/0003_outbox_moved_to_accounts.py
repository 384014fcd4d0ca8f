# The outbox moved to the core (accounts.OutboxMessage), where employers can receive messages
# too: the stored messages move with it, keeping their time.

from django.db import migrations

COPY = """
    INSERT INTO accounts_outboxmessage (person_id, employer_id, phone, body, reference, created_at)
    SELECT person_id, NULL, phone, body, reference, created_at
    FROM wallet_outboxmessage ORDER BY id
"""
COPY_BACK = """
    INSERT INTO wallet_outboxmessage (person_id, phone, body, reference, created_at)
    SELECT person_id, phone, body, reference, created_at
    FROM accounts_outboxmessage WHERE person_id IS NOT NULL ORDER BY id
"""


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_outbox_pending_verification_audit'),
        ('wallet', '0002_transfer_fewer_indexes'),
    ]
    # The copy writes the outbox's table before the core renames it to accounts_notification.
    run_before = [('accounts', '0020_outbox_becomes_notification')]

    operations = [
        migrations.RunSQL(COPY, reverse_sql=COPY_BACK),
        migrations.DeleteModel(
            name='OutboxMessage',
        ),
    ]
