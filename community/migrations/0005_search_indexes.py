"""Full-text search indexes, on PostgreSQL only (SQLite searches with a LIKE fallback).

The expressions match what django.contrib.postgres.search.SearchVector(..., config="english")
generates in community.selectors, so the planner can use them.
"""

from django.db import migrations

INDEXES = [
    ("community_post_body_fts", "community_post", "body"),
    ("community_thread_title_fts", "community_thread", "title"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING GIN (to_tsvector('english'::regconfig, COALESCE({column}, '')))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("community", "0004_threads")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
