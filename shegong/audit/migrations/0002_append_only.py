"""The database itself refuses to change audit entries, and to delete recent ones.

UPDATE is always refused; DELETE only for entries younger than the retention period
(180 days), so ``purge_audit`` can drop old entries and nothing can erase recent history.
Test databases must be flushable: a connection opened with the Django setting
SHEGONG_AUDIT_MAINTENANCE (test settings only) may delete and truncate — on PostgreSQL
through the session setting ``shegong.audit_maintenance``, on SQLite through the function
``shegong_audit_maintenance()`` that the app registers on its own connections (a plain
sqlite3 client without it cannot delete at all).
"""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION shegong_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'audit log is append-only (审计日志只能追加)';
  END IF;
  IF OLD.at > now() - interval '180 days'
     AND coalesce(current_setting('shegong.audit_maintenance', true), '') <> 'on' THEN
    RAISE EXCEPTION 'audit entries younger than 180 days cannot be deleted (审计日志保存不少于六个月)';
  END IF;
  RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION shegong_audit_append_only();
CREATE OR REPLACE FUNCTION shegong_audit_no_truncate() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('shegong.audit_maintenance', true), '') <> 'on' THEN
    RAISE EXCEPTION 'audit log cannot be truncated';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION shegong_audit_no_truncate();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS shegong_audit_append_only();
DROP FUNCTION IF EXISTS shegong_audit_no_truncate();
"""
SQLITE = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER audit_no_recent_delete BEFORE DELETE ON audit_auditentry
       WHEN OLD.at > datetime('now', '-180 days') AND shegong_audit_maintenance() = 0
       BEGIN SELECT RAISE(ABORT, 'audit entries younger than 180 days cannot be deleted'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_recent_delete;"]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG] if vendor == "postgresql" else SQLITE if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = [PG_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE if vendor == "sqlite" else []
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
