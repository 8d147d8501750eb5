"""Every index is one more entry written for every row a job or a request inserts (the expiry job's batch writes a
thousand leads, events and webhook deliveries at once), so no table keeps an index that another one already covers."""

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("leads", "profiles", "routing", "insights", "webhooks", "privacy")


# Indexes for LIKE 'prefix%' (Django adds one beside each unique text column): a plain index cannot answer those
# lookups, so they are only redundant where nothing searches that way, as for the webhook ids.
PATTERN_INDEXES_KEPT = {"profiles_organisation_slug_188c1bc8_like", "profiles_apitoken_token_hash_356a1207_like"}


def _indexes(table: str) -> list[tuple[str, bool, tuple[str, ...], bool]]:
    """(name, unique, key columns, partial) of each index of `table` on plain columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index.indexrelid::regclass::text, index.indisunique, index.indpred IS NOT NULL,
                   array(SELECT pg_get_indexdef(index.indexrelid, position, false)
                         FROM generate_series(1, index.indnkeyatts) AS position)
            FROM pg_index AS index
            WHERE index.indrelid = %s::regclass AND index.indexprs IS NULL
            """,
            [table],
        )
        return [(name, unique, tuple(columns), partial) for name, unique, partial, columns in cursor.fetchall()]


def _covered_by(index, other) -> bool:
    """`index` is a plain (not unique, not partial) index whose columns begin `other`'s, so `other` answers every
    lookup it answers (a pattern-matching index on the same column included, unless it is one of those kept)."""
    name, unique, columns, partial = index
    other_name, _, other_columns, other_partial = other
    if unique or partial or other_partial or name == other_name or name in PATTERN_INDEXES_KEPT:
        return False
    return other_columns[: len(columns)] == columns


def test_no_table_keeps_an_index_that_another_of_its_indexes_covers():
    redundant = []
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            indexes = _indexes(model._meta.db_table)
            redundant += [
                f"{index[0]} is covered by {other[0]}"
                for index in indexes
                for other in indexes
                if _covered_by(index, other)
            ]
    assert not redundant, redundant


def test_the_check_sees_a_covered_index():
    """The check above, on a table given an index that its existing delivery-log index covers."""
    table = apps.get_model("webhooks", "Delivery")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX covered_for_the_test ON {table} (endpoint_id)")
        cursor.execute(f"CREATE INDEX pattern_twin_for_the_test ON {table} (webhook_id varchar_pattern_ops)")
    indexes = _indexes(table)
    covered = {index[0] for index in indexes for other in indexes if _covered_by(index, other)}
    assert covered == {"covered_for_the_test", "pattern_twin_for_the_test"}
