"""Inserting hundreds of thousands of rows at once, below the ORM.

`QuerySet.bulk_create` builds a model instance per row and compiles every value through
its field; at the district demo's three million ledger rows that was three quarters of the
load. `bulk_insert` takes plain rows, adapts each column once per distinct value, and hands
them to the driver in one go: `executemany` on SQLite, `COPY` on PostgreSQL. It is for the
owning apps' bulk services only, which check their rows and keep their invariants (cached
balances, rollups) in the same transaction; it sends no signals and calls no `save()`.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from django.db import models, transaction
from django.utils import timezone

# Values the drivers take as they are: no per-value adaptation needed.
PLAIN = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
         "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
         "PositiveSmallIntegerField", "CharField", "TextField", "BooleanField", "ForeignKey",
         "OneToOneField"}


def bulk_insert(model: type[models.Model], rows: Sequence[dict]) -> list[int]:
    """Insert `rows` (dicts keyed by attname, e.g. "volunteer_id", all with the same keys)
    as new rows of `model`, in the caller's transaction; returns their new ids in order.
    Columns left out take their field's default; `auto_now_add` ones the current time."""
    if not rows:
        return []
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_insert reserves ids and must run inside a transaction")
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    pk = model._meta.pk
    columns = list(rows[0])
    fields = [by_attname[c] for c in columns]
    fixed = {}  # left out: one value for every row
    for f in by_attname.values():
        if f.attname in columns or f is pk:
            continue
        value = timezone.now() if getattr(f, "auto_now_add", False) or getattr(
            f, "auto_now", False) else f.get_default()
        fixed[f.attname] = f.get_db_prep_save(value, connection)
    adapters = [(c, _adapter(f, connection)) for c, f in zip(columns, fields, strict=True)]
    ids = _reserve_ids(model, len(rows), connection)
    extra = tuple(fixed.values())
    values = [(new_id, *(row[c] if a is None else a(row[c]) for c, a in adapters), *extra)
              for new_id, row in zip(ids, rows, strict=True)]
    names = [pk.column, *(f.column for f in fields), *(by_attname[c].column for c in fixed)]
    _insert(connection, model._meta.db_table, names, values)
    return ids


def _adapter(field: models.Field, connection):
    kind = field.get_internal_type()
    if kind in PLAIN:
        return None
    if kind == "JSONField":  # lists and dicts: not hashable, so not cached
        return lambda v: field.get_db_prep_save(v, connection)
    # Dates, times and amounts repeat a lot within a batch: adapt each distinct value once.
    return lru_cache(maxsize=65536)(lambda v: field.get_db_prep_save(v, connection))


def bulk_insert_objects(objs: Sequence[models.Model]) -> Sequence[models.Model]:
    """`bulk_insert` for model instances already built (all of one model): inserts every
    concrete field as set on them (`auto_now`/`auto_now_add` ones to the current time) and
    gives each its new primary key, as `bulk_create` would, without compiling each value."""
    if not objs:
        return objs
    opts, now = objs[0]._meta, timezone.now()
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    for obj in objs:  # foreign keys given as objects saved since: their ids (as bulk_create)
        obj._prepare_related_fields_for_save(operation_name="bulk_insert_objects")
    for f in fields:
        if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    ids = bulk_insert(type(objs[0]), [{f.attname: getattr(obj, f.attname) for f in fields}
                                      for obj in objs])
    alias = transaction.get_connection().alias
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, alias
    return objs


def _reserve_ids(model: type[models.Model], n: int, connection) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence hands out ids that no concurrent insert can also get.
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                           "FROM generate_series(1, %s)", [table, model._meta.pk.column, n])
            return [r[0] for r in cursor.fetchall()]
        # SQLite: the transaction is IMMEDIATE (settings), so it already holds the only write
        # lock and nobody else can take ids between this read and the insert.
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(model._meta.pk.column)}),"
                       f" 0) FROM {quoted}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0)
        return list(range(start + 1, start + n + 1))


def _insert(connection, table: str, columns: list[str], values: list[tuple]) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's own cursor, so its errors are wrapped by hand (IntegrityError ...).
            with connection.wrap_database_errors, cursor.cursor.copy(
                    f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES "
                               f"({', '.join(['%s'] * len(columns))})", values)


def bulk_add(model: type[models.Model], column: str, deltas: dict[int, int]) -> None:
    """Add `deltas[id]` to `column` of each row of `model`, in one statement on PostgreSQL
    (an UPDATE joined to the arrays of ids and amounts) and in one `executemany` on SQLite,
    whose statements cost no round trip. Zero deltas are skipped."""
    pairs = [(pk, d) for pk, d in deltas.items() if d]
    if not pairs:
        return
    connection = transaction.get_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    col = connection.ops.quote_name(model._meta.get_field(column).column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} AS t SET {col} = t.{col} + d.delta FROM "
                           "unnest(%s::bigint[], %s::bigint[]) AS d(id, delta) WHERE t.id = d.id",
                           [[pk for pk, _d in pairs], [d for _pk, d in pairs]])
        else:
            cursor.executemany(f"UPDATE {table} SET {col} = {col} + %s WHERE id = %s",
                               [(d, pk) for pk, d in pairs])


@contextmanager
def foreign_keys_added_after(tables: Sequence[type[models.Model]]) -> Iterator[None]:
    """On PostgreSQL, drop the foreign keys of `tables` for a bulk load and add them back
    after it, in the caller's transaction, as PostgreSQL's manual advises for populating a
    database. Django's foreign keys are checked row by row at COMMIT, which for the district
    demo's millions of rows was a third of the load; adding a key back checks every row in
    one join, and a row that breaks it fails the whole transaction. Elsewhere a no-op."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("foreign_keys_added_after must run inside a transaction")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text"
                       " = ANY(%s)", [[m._meta.db_table for m in tables]])
        keys = cursor.fetchall()
        # Checks still pending for rows written before would block the ALTER: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
