"""The store: one async SQLAlchemy engine on SQLite (default) or PostgreSQL."""

from bot.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
