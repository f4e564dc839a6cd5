"""A community's current member count, kept by triggers on the membership table.

PostgreSQL: statement-level triggers over transition tables (one UPDATE per statement,
however many rows it wrote: a bulk insert of 100,000 memberships is one upsert per
community). SQLite: row-level triggers. Both count a membership while ``left_at`` is
NULL, and follow inserts, deletes, and updates of ``left_at`` or ``community_id``.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION members_count_current_members() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO members_membercount AS c (community_id, current)
            SELECT community_id, count(*) FROM new_rows WHERE left_at IS NULL
            GROUP BY community_id
            ON CONFLICT (community_id) DO UPDATE SET current = c.current + EXCLUDED.current;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE members_membercount AS c SET current = c.current - gone.n
            FROM (SELECT community_id, count(*) AS n FROM old_rows WHERE left_at IS NULL
                  GROUP BY community_id) AS gone
            WHERE c.community_id = gone.community_id;
        ELSE
            -- The net change per community: an update of a role or an affirmation nets to
            -- nothing and writes nothing. Decreases and increases apart, since a negative
            -- delta may not be upserted (its row fails the CHECK before the conflict).
            UPDATE members_membercount AS c SET current = c.current + moved.n
            FROM (SELECT community_id, sum(n) AS n FROM (
                      SELECT community_id, 1 AS n FROM new_rows WHERE left_at IS NULL
                      UNION ALL
                      SELECT community_id, -1 AS n FROM old_rows WHERE left_at IS NULL
                  ) AS moves GROUP BY community_id HAVING sum(n) < 0) AS moved
            WHERE c.community_id = moved.community_id;
            INSERT INTO members_membercount AS c (community_id, current)
            SELECT community_id, sum(n) FROM (
                SELECT community_id, 1 AS n FROM new_rows WHERE left_at IS NULL
                UNION ALL
                SELECT community_id, -1 AS n FROM old_rows WHERE left_at IS NULL
            ) AS moves
            GROUP BY community_id HAVING sum(n) > 0
            ON CONFLICT (community_id) DO UPDATE SET current = c.current + EXCLUDED.current;
        END IF;
        RETURN NULL;
    END $$;
    """,
    """
    CREATE TRIGGER members_count_on_insert AFTER INSERT ON members_membership
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_count_current_members();
    """,
    """
    CREATE TRIGGER members_count_on_update AFTER UPDATE ON members_membership
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_count_current_members();
    """,
    """
    CREATE TRIGGER members_count_on_delete AFTER DELETE ON members_membership
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION members_count_current_members();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS members_count_on_insert ON members_membership",
    "DROP TRIGGER IF EXISTS members_count_on_update ON members_membership",
    "DROP TRIGGER IF EXISTS members_count_on_delete ON members_membership",
    "DROP FUNCTION IF EXISTS members_count_current_members()",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER members_count_on_insert AFTER INSERT ON members_membership
    WHEN NEW.left_at IS NULL
    BEGIN
        INSERT INTO members_membercount (community_id, current) VALUES (NEW.community_id, 1)
        ON CONFLICT (community_id) DO UPDATE SET current = current + 1;
    END
    """,
    """
    CREATE TRIGGER members_count_on_update AFTER UPDATE OF left_at, community_id
    ON members_membership
    BEGIN
        UPDATE members_membercount SET current = current - 1
        WHERE OLD.left_at IS NULL AND community_id = OLD.community_id;
        INSERT INTO members_membercount (community_id, current)
        SELECT NEW.community_id, 1 WHERE NEW.left_at IS NULL
        ON CONFLICT (community_id) DO UPDATE SET current = current + 1;
    END
    """,
    """
    CREATE TRIGGER members_count_on_delete AFTER DELETE ON members_membership
    WHEN OLD.left_at IS NULL
    BEGIN
        UPDATE members_membercount SET current = current - 1
        WHERE community_id = OLD.community_id;
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS members_count_on_insert",
    "DROP TRIGGER IF EXISTS members_count_on_update",
    "DROP TRIGGER IF EXISTS members_count_on_delete",
]
BACKFILL = """
    INSERT INTO members_membercount (community_id, current)
    SELECT community_id, count(*) FROM members_membership WHERE left_at IS NULL
    GROUP BY community_id
"""


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    else:
        raise NotImplementedError(f"member count triggers for {vendor}")
    # In the same transaction as the triggers: no membership written between is missed.
    schema_editor.execute(BACKFILL)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_BACKWARD if vendor == "postgresql" else SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0014_models_move_to_their_apps"),
        ("members", "0010_platform_log_reason_clean"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberCount",
            fields=[
                (
                    "community",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="community.community",
                    ),
                ),
                ("current", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
