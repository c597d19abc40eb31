"""Alembic environment for the Frontlines store.

Run programmatically by `frontlines.store.db.Store` (which passes an open connection in
`config.attributes["connection"]`), or from the CLI with `alembic.ini` next to this folder.
"""
from __future__ import annotations

import logging.config

from alembic import context
from sqlalchemy import create_engine, pool

from frontlines.store.schema import metadata as target_metadata

config = context.config


def _url() -> str:
    from frontlines.store.db import resolve_url

    x_args = context.get_x_argument(as_dictionary=True)
    return resolve_url(x_args.get("db") or config.get_main_option("sqlalchemy.url") or None)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    # CLI use: configure logging from alembic.ini and open our own engine.
    if config.config_file_name is not None:
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.begin() as conn:
        _configure(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
