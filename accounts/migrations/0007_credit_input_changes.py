"""What a second monthly credit run needs to know that nothing is left to credit.

PostgreSQL logs, per region, the transaction of every statement that changes an input of the
credit: personal accounts, contributions (by their account's region), a person's retirement
or birth date (by the person's accounts' regions) and region policies. A run that finished
records the snapshot it started from; if no logged change is invisible to that snapshot, a
new run would find every credit already posted and can skip (see accounts.services.credits).
Statement-level triggers with transition tables: one log row per statement and region.
"""

from django.db import migrations, models

FORWARD = """
CREATE TABLE accounts_creditinputchange (
    region_id varchar(6) NOT NULL,
    xact xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX accounts_creditinputchange_region_xact
    ON accounts_creditinputchange (region_id, xact);

CREATE FUNCTION accounts_credit_inputs_by_region() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT DISTINCT region_id FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT region_id FROM new_rows UNION SELECT region_id FROM old_rows;
    ELSE
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT DISTINCT region_id FROM old_rows;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- The credit reads contributions through the account, so the account's region is the one.
CREATE FUNCTION accounts_credit_inputs_by_account() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT DISTINCT pa.region_id FROM new_rows c
        JOIN accounts_personalaccount pa ON pa.id = c.account_id;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT pa.region_id FROM accounts_personalaccount pa
        WHERE pa.id IN (SELECT account_id FROM new_rows UNION SELECT account_id FROM old_rows)
        GROUP BY pa.region_id;
    ELSE
        INSERT INTO accounts_creditinputchange (region_id)
        SELECT DISTINCT pa.region_id FROM old_rows c
        JOIN accounts_personalaccount pa ON pa.id = c.account_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A person's other changes (phone, name...) do not touch the credit.
CREATE FUNCTION accounts_credit_inputs_by_person() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_creditinputchange (region_id)
    SELECT DISTINCT pa.region_id FROM new_rows n
    JOIN old_rows o ON o.id = n.id
    JOIN accounts_personalaccount pa ON pa.person_id = n.id
    WHERE (n.retired, n.birth_date) IS DISTINCT FROM (o.retired, o.birth_date);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION accounts_credit_inputs_truncated() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_creditinputchange (region_id) SELECT code FROM accounts_region;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER credit_inputs_insert AFTER INSERT ON accounts_personalaccount
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_update AFTER UPDATE ON accounts_personalaccount
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_delete AFTER DELETE ON accounts_personalaccount
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();

CREATE TRIGGER credit_inputs_insert AFTER INSERT ON accounts_regionpolicy
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_update AFTER UPDATE ON accounts_regionpolicy
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();
CREATE TRIGGER credit_inputs_delete AFTER DELETE ON accounts_regionpolicy
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_region();

CREATE TRIGGER credit_inputs_insert AFTER INSERT ON accounts_contribution
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_account();
CREATE TRIGGER credit_inputs_update AFTER UPDATE ON accounts_contribution
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_account();
CREATE TRIGGER credit_inputs_delete AFTER DELETE ON accounts_contribution
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_account();

-- Persons: an account can only point at an existing person, so inserts and deletes of
-- persons change nothing the credit reads without an account row changing too.
CREATE TRIGGER credit_inputs_update AFTER UPDATE ON accounts_insuredperson
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_by_person();

CREATE TRIGGER credit_inputs_truncate AFTER TRUNCATE ON accounts_personalaccount
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_truncated();
CREATE TRIGGER credit_inputs_truncate AFTER TRUNCATE ON accounts_regionpolicy
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_truncated();
CREATE TRIGGER credit_inputs_truncate AFTER TRUNCATE ON accounts_contribution
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_truncated();
CREATE TRIGGER credit_inputs_truncate AFTER TRUNCATE ON accounts_insuredperson
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_credit_inputs_truncated();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS credit_inputs_insert ON accounts_personalaccount;
DROP TRIGGER IF EXISTS credit_inputs_update ON accounts_personalaccount;
DROP TRIGGER IF EXISTS credit_inputs_delete ON accounts_personalaccount;
DROP TRIGGER IF EXISTS credit_inputs_truncate ON accounts_personalaccount;
DROP TRIGGER IF EXISTS credit_inputs_insert ON accounts_regionpolicy;
DROP TRIGGER IF EXISTS credit_inputs_update ON accounts_regionpolicy;
DROP TRIGGER IF EXISTS credit_inputs_delete ON accounts_regionpolicy;
DROP TRIGGER IF EXISTS credit_inputs_truncate ON accounts_regionpolicy;
DROP TRIGGER IF EXISTS credit_inputs_insert ON accounts_contribution;
DROP TRIGGER IF EXISTS credit_inputs_update ON accounts_contribution;
DROP TRIGGER IF EXISTS credit_inputs_delete ON accounts_contribution;
DROP TRIGGER IF EXISTS credit_inputs_truncate ON accounts_contribution;
DROP TRIGGER IF EXISTS credit_inputs_update ON accounts_insuredperson;
DROP TRIGGER IF EXISTS credit_inputs_truncate ON accounts_insuredperson;
DROP FUNCTION IF EXISTS accounts_credit_inputs_by_region();
DROP FUNCTION IF EXISTS accounts_credit_inputs_by_account();
DROP FUNCTION IF EXISTS accounts_credit_inputs_by_person();
DROP FUNCTION IF EXISTS accounts_credit_inputs_truncated();
DROP TABLE IF EXISTS accounts_creditinputchange;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_posting_key_constraint_ledger_fillfactor")]

    operations = [
        migrations.AddField(
            model_name="monthlycreditrun",
            name="inputs_snapshot",
            field=models.TextField(blank=True, editable=False, verbose_name="起始快照"),
        ),
        migrations.RunPython(forward, backward),
    ]
