from django.db.backends.postgresql import compiler

from shegong.core.sqlcache import KeptShapeCompiler

SQLAggregateCompiler = compiler.SQLAggregateCompiler
SQLDeleteCompiler = compiler.SQLDeleteCompiler
SQLInsertCompiler = compiler.SQLInsertCompiler
SQLUpdateCompiler = compiler.SQLUpdateCompiler


class SQLCompiler(KeptShapeCompiler, compiler.SQLCompiler):
    pass
