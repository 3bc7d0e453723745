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
        value = str(self.rhs)
        if connection.vendor == "sqlite":
            escaped = "".join(f"[{c}]" if c in "*?[" else c for c in value)
            return f"{lhs} GLOB %s", [*lhs_params, escaped + "*"]
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]
