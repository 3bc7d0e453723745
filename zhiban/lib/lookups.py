"""`field__prefix=q`: a prefix match that an index serves on both databases.

Django's `startswith` becomes LIKE, which SQLite only serves from an index under NOCASE collation; GLOB
is case-sensitive and served by the ordinary BINARY index. On PostgreSQL LIKE 'q%' is served by an index
with varchar_pattern_ops (see ContactKey.Meta)."""

from django.db.models import CharField, Lookup


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [value])

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        operator = "GLOB" if connection.vendor == "sqlite" else "LIKE"
        return f"{lhs} {operator} %s", [*lhs_params, prefix_pattern(str(self.rhs), connection.vendor)]


def prefix_pattern(value: str, vendor: str) -> str:
    """The pattern Prefix sends for `value`: every character of it literal, anything after it."""
    if vendor == "sqlite":
        return "".join(f"[{c}]" if c in "*?[" else c for c in value) + "*"
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
