"""Postings are append-only: PostgreSQL refuses to update or delete one (corrections are new
postings). SQLite, used only for development, relies on the services."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION accounts_posting_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'postings are append-only: % refused on posting %', TG_OP, OLD.id;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_posting_append_only
    BEFORE UPDATE OR DELETE ON accounts_posting
    FOR EACH ROW EXECUTE FUNCTION accounts_posting_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS accounts_posting_append_only ON accounts_posting;
DROP FUNCTION IF EXISTS accounts_posting_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_ledger_and_personal_accounts")]

    operations = [migrations.RunPython(forward, backward)]
