"""PostgreSQL: the search entries' words as a stored tsvector column with its GIN index, in place of the
index over the expression. Ranking read the vector again from the text for every match (ts_rank over
to_tsvector(tokens)), and the planner had no statistics on the expression: a common word took 0.8-1.7 s
over a city-year (bench/search.py). With the column stored, the planner knows how common a word is and
walks the newest entries down the primary key for a common one, or the index for a rare one. SQLite
(FTS5) is unchanged."""

from django.db import migrations

POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS archive_search_tokens",
    "ALTER TABLE archive_searchentry ADD COLUMN tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED",
    "CREATE INDEX archive_search_tsv ON archive_searchentry USING gin (tsv)",
    "ANALYZE archive_searchentry",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS archive_search_tsv",
    "ALTER TABLE archive_searchentry DROP COLUMN IF EXISTS tsv",
    "CREATE INDEX archive_search_tokens ON archive_searchentry USING gin (to_tsvector('simple', tokens))",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_briefs")]

    operations = [migrations.RunPython(forward, backward)]
