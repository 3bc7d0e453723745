import pytest
from django.db.backends.base.base import BaseDatabaseWrapper


@pytest.fixture(autouse=True)
def _scratch_databases_allowed(monkeypatch, transactional_db, django_db_blocker):
    """Django's test case refuses connections to aliases it was not told of; a restore drill opens one
    of its own (`drill_…`, a real scratch database it creates and drops), which is let through."""
    guarded = BaseDatabaseWrapper.ensure_connection
    real = django_db_blocker._real_ensure_connection

    def ensure_connection(self, *args, **kwargs):
        if self.alias.startswith("drill_"):
            return real(self, *args, **kwargs)
        return guarded(self, *args, **kwargs)

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", ensure_connection)
