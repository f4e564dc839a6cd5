"""Stored full-text vectors for search, on PostgreSQL only (SQLite searches with LIKE).

Each post keeps the tsvector of its body and each thread that of its title in a generated
column, which PostgreSQL recomputes on every write of the text (an edit, a rename), so
ranking reads the vector instead of parsing every matching post again (migration 0005
indexed the expression, but ts_rank still recomputed it row by row). The models don't
declare the columns (SQLite has none); community.selectors names them. Adding a stored
column rewrites the table under an exclusive lock: 3.3 s for 95,000 posts on the 2-core
benchmark machine, index included.
"""

from django.db import migrations

# table, indexed text column, GIN index on the stored vector, expression index it replaces
VECTORS = [
    ("community_post", "body", "community_post_search_vector", "community_post_body_fts"),
    ("community_thread", "title", "community_thread_search_vector", "community_thread_title_fts"),
]


def add_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, index, old_index in VECTORS:
        # First, or the table's rewrite would rebuild it, parsing every text once more.
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            f"(to_tsvector('english'::regconfig, COALESCE({column}, ''))) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING GIN (search_vector)")


def remove_vectors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _index, old_index in VECTORS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {old_index} ON {table} "
            f"USING GIN (to_tsvector('english'::regconfig, COALESCE({column}, '')))"
        )
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")  # and its index


class Migration(migrations.Migration):
    dependencies = [("community", "0008_memberpair_lean")]

    operations = [migrations.RunPython(add_vectors, remove_vectors, elidable=False)]
