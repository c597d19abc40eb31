"""Persistence: the `Store` (SQLAlchemy + Alembic) and its schema."""
from .db import ENV_VAR, Store, alembic_config, default_db_path, event_id_cnty, provisional_id, resolve_url, upgrade

__all__ = [
    "ENV_VAR",
    "Store",
    "alembic_config",
    "default_db_path",
    "event_id_cnty",
    "provisional_id",
    "resolve_url",
    "upgrade",
]
