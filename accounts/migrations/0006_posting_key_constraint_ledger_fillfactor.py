"""Cheaper writes for the monthly credit (and every other posting).

- The posting key's uniqueness becomes a constraint: the same unique index, without the
  varchar_pattern_ops copy that `unique=True` adds on PostgreSQL (nothing runs LIKE on it).
- Retirees' birth dates join the partial index of retirees, so each chunk of the credit reads
  them from the index instead of every retiree's row.
- Ledger accounts leave half of each page free, so a balance update (every person's, every
  month) stays on its page as a HOT update instead of adding an entry to each of the table's
  indexes. Only pages written from now on are affected; VACUUM FULL applies it to old ones.
"""

from django.db import migrations, models


def ledger_fillfactor(fillfactor: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE accounts_ledgeraccount SET (fillfactor = {fillfactor})"
            )

    return apply


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_person_retired_index")]

    operations = [
        migrations.AddConstraint(
            model_name="posting",
            constraint=models.UniqueConstraint(
                fields=("idempotency_key",), name="posting_idempotency_key"
            ),
        ),
        migrations.AlterField(
            model_name="posting",
            name="idempotency_key",
            field=models.CharField(max_length=120, verbose_name="幂等键"),
        ),
        migrations.RemoveIndex(model_name="insuredperson", name="person_retired"),
        migrations.AddIndex(
            model_name="insuredperson",
            index=models.Index(
                condition=models.Q(("retired", True)),
                fields=["id", "birth_date"],
                name="person_retired_birth_date",
            ),
        ),
        migrations.RunPython(ledger_fillfactor(50), ledger_fillfactor(100)),
    ]
