"""Writing many rows in one prepared statement, for the few places where Django's bulk
methods cost more than the database does.

``QuerySet.bulk_update`` builds one ``CASE WHEN pk = … THEN …`` expression per field over
every object of a batch, and ``bulk_create`` compiles every value through the SQL compiler:
for a few thousand rows that is hundreds of milliseconds of Python inside the caller's
transaction (on SQLite: the database's write lock). Here:

- :func:`rows_update`: one ``UPDATE … WHERE pk = %s`` sent through ``cursor.executemany``
  (SQLite), or one ``UPDATE … FROM UNNEST(arrays)`` (PostgreSQL, where ``executemany``
  would still be a statement per row);
- :func:`rows_insert`: multi-row ``INSERT … RETURNING`` without the compiler on SQLite
  (about a third of ``bulk_create``'s time); on PostgreSQL Django's own insert over arrays;
- :func:`rows_insert_select`: one ``INSERT … SELECT`` filling a table from another.

Values go through each field's ``pre_save`` and ``get_db_prep_save`` (so ``auto_now`` is
set and every type is adapted as Django would); validation is the caller's, and the
database's constraints still hold. No signals are sent, as with ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

__all__ = ["rows_insert", "rows_insert_select", "rows_update"]


def _fields(model: type[Model], names: Iterable[str]) -> list[Field]:
    fields = [model._meta.get_field(name) for name in names]
    for field in fields:
        if not getattr(field, "concrete", False) or field.many_to_many or field.primary_key:
            raise ValueError(f"{model.__name__}.{field.name} is not a column that can be set.")
    return fields


def _db_type(connection, field: Field) -> str:
    return field.db_type(connection).split("(")[0]  # varchar, not varchar(64): no truncation


def _unnestable(connection, fields: list[Field]) -> bool:
    """Whether each field's values fit a plain PostgreSQL array (the rule Django's own
    bulk insert applies before it uses ``UNNEST``)."""
    return not any(
        hasattr(field, "get_placeholder")
        or (field.target_field if field.is_relation else field).get_internal_type()
        not in connection.data_types
        for field in fields
    )


def rows_update(
    model: type[Model], objs: Iterable[Model], fields: Iterable[str], *, using: str = ""
) -> int:
    """Write ``fields`` of each saved object in ``objs`` (one statement, many rows).

    An ``auto_now`` field among ``fields`` is set to now on each object, as ``save()``
    would. Returns the number of objects written; an object without a primary key is a
    ``ValueError`` (nothing is written)."""
    objs = list(objs)
    if not objs:
        return 0
    if any(obj.pk is None for obj in objs):
        raise ValueError(f"Every {model.__name__} must be saved before it is updated.")
    connection = connections[using or DEFAULT_DB_ALIAS]
    columns = _fields(model, fields)
    meta, quote = model._meta, connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, False), connection) for field in columns]
        + [meta.pk.get_db_prep_save(obj.pk, connection)]
        for obj in objs
    ]
    if connection.vendor == "postgresql" and _unnestable(connection, [*columns, meta.pk]):
        # One statement over arrays (as Django's own PostgreSQL bulk insert does): psycopg
        # would otherwise send one statement per row.
        arrays = ", ".join(f"%s::{_db_type(connection, f)}[]" for f in [*columns, meta.pk])
        names = ", ".join(quote(f"c{i}") for i in range(len(columns) + 1))
        assignments = ", ".join(
            f"{quote(field.column)} = v.{quote(f'c{i}')}" for i, field in enumerate(columns)
        )
        last = quote(f"c{len(columns)}")
        sql = (
            f"UPDATE {table} SET {assignments} FROM UNNEST({arrays}) AS v({names}) "  # noqa: S608
            f"WHERE {table}.{pk} = v.{last}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(values) for values in zip(*rows, strict=True)])
        return len(objs)
    # Names are the model's own, quoted by the backend; every value is a parameter.
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(objs)


def rows_insert(model: type[Model], objs: Iterable[Model], *, using: str = "") -> list[Model]:
    """Insert new objects (an auto-increment primary key, no parents) and set their primary
    keys, as ``bulk_create`` does; a backend that cannot return the keys of a multi-row
    insert uses ``bulk_create`` itself. Returns the objects."""
    objs = list(objs)
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    meta = model._meta
    if not objs:
        return objs
    if any(obj.pk is not None for obj in objs):
        raise ValueError(f"Every {model.__name__} must be new to be inserted.")
    if meta.parents or not isinstance(meta.pk, AutoFieldMixin):
        raise ValueError(f"{model.__name__} needs bulk_create (parents or a chosen key).")
    if (
        connection.vendor == "postgresql"
        or not connection.features.can_return_rows_from_bulk_insert
    ):
        # Django's PostgreSQL insert already sends arrays (``UNNEST``): little Python, one
        # short statement, where a row of placeholders each costs psycopg a parse.
        return model._default_manager.db_manager(alias).bulk_create(objs)
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    returning, returning_params = connection.ops.returning_columns([meta.pk])
    batch = max(1, connection.ops.bulk_batch_size(fields, objs))
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    for first in range(0, len(objs), batch):
        chunk = objs[first : first + batch]
        params = [
            field.get_db_prep_save(field.pre_save(obj, True), connection)
            for obj in chunk
            for field in fields
        ]
        # Names are the model's own, quoted by the backend; every value is a parameter.
        sql = f"{head}VALUES {', '.join([row] * len(chunk))} {returning}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *returning_params])
            keys = [found[0] for found in cursor.fetchall()]
        for obj, key in zip(chunk, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = alias
    return objs


def rows_insert_select(
    model: type[Model],
    *,
    source: type[Model],
    columns: Mapping[str, str],
    values: Mapping[str, object],
    where: str,
    where_params: Iterable[object] = (),
    using: str = "",
) -> int:
    """``INSERT INTO model (…) SELECT … FROM source AS s WHERE …``: one row per source row.

    ``columns`` maps a field of ``model`` to an SQL expression over ``s`` (e.g.
    ``{"claim": "s.id"}``, quote reserved words yourself); ``values`` maps fields to
    constants (adapted by the field). ``auto_now``/``auto_now_add`` columns get the time of
    the call; every other column gets its field's default, so a
    field added later with a default needs no change here; one without a default (and not
    nullable) fails at once. Returns the number of rows inserted."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    meta = model._meta
    known = set(columns) | set(values)
    unknown = known - {field.name for field in meta.concrete_fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no column {sorted(unknown)}.")
    names, expressions, params = [], [], []
    now = timezone.now()
    for field in meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(quote(field.column))
        if field.name in columns:
            expressions.append(columns[field.name])
            continue
        if field.name in values:
            value = values[field.name]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        expressions.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    # Names are the models' own, quoted by the backend; ``columns`` and ``where`` are the
    # caller's SQL (never user input); every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) "  # noqa: S608
        f"SELECT {', '.join(expressions)} FROM {quote(source._meta.db_table)} s WHERE {where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params])
        return cursor.rowcount
