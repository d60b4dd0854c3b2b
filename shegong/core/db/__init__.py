"""Django's PostgreSQL and SQLite backends with one change: a SELECT's SQL is kept by its
shape (shegong/core/sqlcache.py). settings.py names them as the ENGINE unless
``SHEGONG_SQL_CACHE=0``."""
