"""`manage.py search_index`: rebuilds the information base's entries from the records (after an upgrade,
a restore, or a bulk load that sent no signals)."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from zhiban.archive import search


class Command(BaseCommand):
    help = "重建信息检索的索引"

    def handle(self, *args, **options):
        started = time.perf_counter()
        with transaction.atomic():
            count = search.rebuild()
        self.stdout.write(f"已索引 {count} 条记录，用时 {time.perf_counter() - started:.1f} 秒")
