"""B26: the information base: one search box over the duty records a person may read.

Words. Each record is indexed by `tokens`: every Chinese character and every pair of adjacent characters
of its text (so a two-character word is found wherever it stands in a sentence, even where a dictionary
segmenter such as jieba would have joined it into a longer word: 电报 inside 停电报告), names in full
pinyin and initials in every reading (lib.pinyin), numbers by their digits (whole, each group, the last
four), and other words lower-cased. A query is cut the same way and every term must match (AND); a
Latin or digit term also matches as a prefix.

Index. SQLite: an FTS5 table kept in step with archive_searchentry by triggers, ranked by bm25; PostgreSQL:
a stored tsvector column `tsv` with a GIN index (migrations 0003, 0005), ranked by ts_rank. Entries are written
in the same transaction as the record (signals), and `manage.py search_index` rebuilds them all.

Beyond the volumes' duty records, published circulars are indexed too (read by their office and, once
published, by the units they name: supervision.access.circular_q), and the contacts directory is searched
beside the index by its own keys and rules (org.contacts.visible_contacts: internal numbers stay with
their unit).

Scope. Results are filtered in the query by the person's duty scope and the classification rule
(org.access.duty_q, classified_q), the same rules as the records' own pages: each entry carries its
record's classification, and a classified one its mark for a title and no excerpt (A2.7/B15)."""

from __future__ import annotations

import functools
import heapq
import re
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhiban.archive import volumes
from zhiban.archive.models import PendingEntry, SearchEntry
from zhiban.archive.volumes import Kind
from zhiban.audit.trail import label as audit_label
from zhiban.lib import sql
from zhiban.lib.classification import CLASSIFIED, Classification, cleared_for
from zhiban.lib.pinyin import readings
from zhiban.lib.sql import Inserter
from zhiban.org.access import Scope, classified_q, duty_q
from zhiban.org.models import Unit
from zhiban.supervision.access import circular_q
from zhiban.supervision.models import Circular

_HAN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z]+|\d+")
_DIGITS = re.compile(r"\d[\d\- ]{3,}\d")
_NAME_FIELDS = ("name", "caller", "visitor", "sender")
EXCERPT = 160
PAGE = 20

URLS = {
    "log": ("entry_detail", lambda r: r.pk),
    "call": ("call_detail", lambda r: r.pk),
    "notice": ("phone_notice_detail", lambda r: r.pk),
    "visit": ("visit_detail", lambda r: r.pk),
    "document": ("document_detail", lambda r: r.pk),
    "matter": ("matter_detail", lambda r: r.pk),
    "instruction": ("instruction_detail", lambda r: r.pk),
    "event": ("event_detail", lambda r: r.pk),
    "report": ("report_detail", lambda r: r.pk),
    "handover": ("handover", lambda r: r.shift_id),
    "circular": ("circular_detail", lambda r: r.pk),
}

# Found by the search, not compiled into volumes (a circular is the office's own document, filed with
# its findings): indexed once published, read under circular_q.
CIRCULAR = Kind("circular", "通报", Circular, "office", "published_at", lambda r: r.title)
KINDS = (*volumes.KINDS, CIRCULAR)
BY_MODEL = {**volumes.BY_MODEL, audit_label(Circular): CIRCULAR}
CONTACTS = ("contact", "通讯录")  # the kind filter's choice for the directory, searched apart


# --- words -----------------------------------------------------------------------------------------


def han_terms(run: str) -> list[str]:
    """A run of Chinese characters as its characters and its adjacent pairs."""
    return list(run) + [run[i : i + 2] for i in range(len(run) - 1)]


def tokens_of(text: str, names: list[str] = ()) -> str:
    text = (text or "").lower()
    found: set[str] = set()
    for run in _HAN.findall(text):
        found.update(han_terms(run))
    found.update(_WORD.findall(text))
    for number in _DIGITS.findall(text):
        digits = re.sub(r"\D", "", number)
        found.update((digits, digits[-4:]))
    for name in names:
        if name and _HAN.search(name):
            found.update(_name_terms(name))
    return " ".join(sorted(t for t in found if t))


@functools.lru_cache(maxsize=4096)
def _name_terms(name: str) -> tuple[str, ...]:
    """A name in full pinyin (every reading, at most four) and initials: the same callers, visitors and
    senders come again and again, and pypinyin costs more than the rest of a record's words."""
    from pypinyin import Style, lazy_pinyin

    return (*readings(name)[:4], "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower())


@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool


def query_terms(query: str) -> list[Term]:
    query = (query or "").lower()[:100]
    terms: list[Term] = []
    for run in _HAN.findall(query):
        pairs = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
        terms += [Term(p, False) for p in pairs]
    terms += [Term(word, True) for word in _WORD.findall(_HAN.sub(" ", query))]
    unique = {}
    for term in terms:
        unique.setdefault(term.text, term)
    return list(unique.values())[:12]


# --- index -----------------------------------------------------------------------------------------


# The people a record names by reference (the leader who gave an instruction, a matter's owner, who
# reported): found by their name and its pinyin as the record's own names are.
PEOPLE = {"instruction": ("leader",), "matter": ("owner",), "report": ("by", "signer"), "log": ("by",)}


def people_of(kind: Kind, record: models.Model) -> list[str]:
    people = (getattr(record, field, None) for field in PEOPLE.get(kind.code, ()))
    return [person.name for person in people if person is not None]


def entry_for(kind: Kind, record: models.Model) -> SearchEntry:
    people = people_of(kind, record)
    text = "　".join([*texts_of(record), *people])
    names = [str(getattr(record, f, "") or "") for f in _NAME_FIELDS] + people
    classified = kind.classified(record)
    title = kind.shown_title(record)
    return SearchEntry(
        kind=kind.code,
        model=audit_label(kind.model),
        object_id=str(record.pk),
        unit_id=unit_id_of(kind, record),
        at=getattr(record, kind.at),
        title=title[:300],
        excerpt="" if classified else text[:EXCERPT],
        classification=classification_of(record),
        tokens=tokens_of(f"{title} {text}", names),
    )


def texts_of(record: models.Model) -> list[str]:
    """The record's own text and choice fields, as a reader would say them; no query (related rows are
    not fetched: the record's words are its own)."""
    found = []
    for attname, labels in _text_fields(type(record)):
        value = getattr(record, attname)
        if labels is not None:
            value = labels.get(value, value)
        if value:
            found.append(str(value))
    return found


@functools.cache
def _text_fields(model: type[models.Model]) -> tuple[tuple[str, dict | None], ...]:
    """The model's text fields and its choice fields with their labels, worked out once per model
    (get_FOO_display makes the choices hashable again on every call: a sixth of a call's save)."""
    fields = []
    for field in model._meta.concrete_fields:
        if field.is_relation or field.name in ("search_text", "classification"):
            continue
        if field.choices:
            fields.append((field.attname, {value: str(label) for value, label in field.flatchoices}))
        elif isinstance(field, (models.CharField, models.TextField)):
            fields.append((field.attname, None))
    return tuple(fields)


def unit_id_of(kind: Kind, record: models.Model) -> int:
    *steps, unit = kind.unit_path.split("__")
    owner = record
    for step in steps:
        owner = getattr(owner, step)
    return getattr(owner, f"{unit}_id")


def classification_of(record: models.Model) -> str:
    if hasattr(record, "classification"):
        return record.classification
    event = getattr(record, "event", None)
    return event.classification if event is not None else Classification.PUBLIC


def index(record: models.Model) -> None:
    """Writes (or removes, when it has no time yet: a draft report, an unsigned handover) the record's
    entry: an update, or an insert when it has none yet."""
    kind = BY_MODEL.get(audit_label(type(record)))
    if kind is None:
        return
    if getattr(record, kind.at) is None or (
        kind.also and not kind.model.objects.filter(kind.also, pk=record.pk).exists()
    ):
        SearchEntry.objects.filter(model=audit_label(kind.model), object_id=str(record.pk)).delete()
        return
    entry = entry_for(kind, record)
    fields = {
        f: getattr(entry, f)
        for f in ("kind", "unit_id", "at", "title", "excerpt", "classification", "tokens")
    }
    if not SearchEntry.objects.filter(model=entry.model, object_id=entry.object_id).update(**fields):
        _insert(entry)


def _insert(entry: SearchEntry) -> None:
    global _inserter
    if _inserter is None:
        _inserter = Inserter(SearchEntry)
    _inserter(entry)


_inserter: Inserter | None = None


def unindex(model: type[models.Model], pk) -> None:
    SearchEntry.objects.filter(model=audit_label(model), object_id=str(pk)).delete()
    PendingEntry.objects.filter(model=audit_label(model), object_id=str(pk)).delete()


# --- entries owed ----------------------------------------------------------------------------------
# A new record's entry is owed (one small row, in the record's own transaction) and written in batches:
# FTS5 writes a segment of its index per transaction, so three hundred entries written together cost a
# fraction of three hundred written one by one. The job runner writes them within seconds; a search
# writes any still owed before it looks, so it never misses a record that was saved.
_QUEUE = f"INSERT INTO {PendingEntry._meta.db_table} (model, object_id) VALUES (%s, %s)"
_CLAIM = (
    f"DELETE FROM {PendingEntry._meta.db_table} WHERE id IN "
    f"(SELECT id FROM {PendingEntry._meta.db_table} ORDER BY id LIMIT %s{{lock}}) RETURNING id, model, object_id"
)


def queue(record: models.Model) -> None:
    """The entry of a record just created is owed (drain writes it)."""
    if audit_label(type(record)) in BY_MODEL:
        sql.execute(_QUEUE, [audit_label(type(record)), str(record.pk)])


def drain(limit: int = 500, wait: bool = False) -> int:
    """Writes up to `limit` owed entries, oldest first (entry ids keep following time); returns how many
    were taken. They are claimed by deleting their rows in the transaction that writes the entries: two
    drains never take one row, and one that fails leaves them owed. On PostgreSQL a runner passes over
    rows another drain holds; `wait` (a search) waits for that drain to commit, so it sees its entries
    (on SQLite every writer waits its turn anyway)."""
    if not PendingEntry.objects.exists():
        return 0
    lock = "" if connection.vendor != "postgresql" else " FOR UPDATE" if wait else " FOR UPDATE SKIP LOCKED"
    with transaction.atomic():
        rows = sorted(sql.execute(_CLAIM.format(lock=lock), [limit]).fetchall())
        owed: dict[str, list[str]] = {}
        for _, model, object_id in rows:
            owed.setdefault(model, []).append(object_id)
        for model, ids in owed.items():
            kind = BY_MODEL.get(model)
            if kind is not None:
                _write(kind, ids)
    return len(rows)


def _write(kind: Kind, ids: list[str]) -> None:
    """The entries of these records of a kind: the new ones in one insert, any a change has written
    since in its place (a record not to be found yet, a draft, has none)."""
    label = audit_label(kind.model)
    found = _records(kind).filter(kind.also, pk__in=ids, **{f"{kind.at}__isnull": False}).order_by("pk")
    have = set(SearchEntry.objects.filter(model=label, object_id__in=ids).values_list("object_id", flat=True))
    new = []
    for record in found:
        if str(record.pk) in have:
            index(record)
        else:
            new.append(entry_for(kind, record))
    SearchEntry.objects.bulk_create(new)


def catch_up() -> None:
    """Every owed entry written (before a search)."""
    while drain(wait=True):
        pass


def rebuild(batch: int = 2000) -> int:
    """Every entry afresh (after an upgrade, or to repair), written oldest first across all kinds, so
    that entry ids follow time as they do for records saved day by day (the search's recent window
    relies on it). Returns how many."""
    SearchEntry.objects.all().delete()
    PendingEntry.objects.all().delete()

    def rows_of(kind: Kind):
        rows = _records(kind).filter(kind.also, **{f"{kind.at}__isnull": False}).order_by(kind.at, "pk")
        for record in rows.iterator(chunk_size=batch):
            yield getattr(record, kind.at), kind.code, record.pk, kind, record

    count, pending = 0, []
    for _, _, _, kind, record in heapq.merge(*(rows_of(kind) for kind in KINDS), key=lambda row: row[:3]):
        pending.append(entry_for(kind, record))
        if len(pending) >= batch:
            SearchEntry.objects.bulk_create(pending)
            count, pending = count + len(pending), []
    SearchEntry.objects.bulk_create(pending)
    return count + len(pending)


def _records(kind: Kind):
    """A kind's records with the rows their entries name (unit path, people) in the same query."""
    related = [p for p in ("event", "shift") if p in kind.unit_path]
    return kind.model.objects.select_related(
        *[r for r in related if _has_relation(kind.model, r)], *PEOPLE.get(kind.code, ())
    )


def _has_relation(model, name: str) -> bool:
    try:
        return model._meta.get_field(name).is_relation
    except Exception:
        return False


# --- search ----------------------------------------------------------------------------------------


@dataclass
class Hit:
    entry: SearchEntry
    url: str
    kind_words: str
    title: SafeString
    excerpt: SafeString


def visible_q(scope: Scope) -> Q:
    return duty_q(scope) & classified_q(scope)


def search(
    scope: Scope,
    query: str,
    kind: str = "",
    unit_ids=None,
    since=None,
    until=None,
    level: str = "",
    limit: int = PAGE,
    offset: int = 0,
) -> tuple[list[Hit], int]:
    """The hits of `query` this person may read, best first, and how many there are (counted up to
    COUNT_CAP: beyond that the page says "more than")."""
    terms = query_terms(query)
    if not terms:
        return [], 0
    catch_up()
    where, params = _filters(scope, kind, unit_ids, since, until, level)
    if where is None:
        return [], 0
    ids, total = _matching(where, params, terms, limit, offset)
    entries = SearchEntry.objects.select_related("unit").in_bulk(ids)
    words = {kind.code: kind.words for kind in KINDS}
    shown = [t.text for t in terms] + _HAN.findall(query.lower())
    hits = []
    for pk in ids:
        entry = entries[pk]
        title, excerpt = marked(entry.title, shown), marked(entry.excerpt, shown)
        hits.append(Hit(entry, record_url(entry), words.get(entry.kind, ""), title, excerpt))
    return hits, total


COUNT_CAP = 1000


def _filters(scope: Scope, kind, unit_ids, since, until, level) -> tuple[str | None, list]:
    """The WHERE of the entries this person may read (visible_q's rule, written out over the unit ids so
    the database checks each match against a short list instead of joining every entry to its unit)."""
    readable = set(Unit.objects.filter(duty_q(scope, "")).values_list("id", flat=True))
    circulars = Circular.objects.filter(circular_q(scope), published_at__isnull=False)
    if unit_ids:
        readable &= set(unit_ids)
        circulars = circulars.filter(office_id__in=unit_ids)
    circulars = sorted({str(pk) for pk in circulars.values_list("id", flat=True)})
    if not readable and not circulars:
        return None, []
    own_units = f"e.unit_id IN ({', '.join(['%s'] * len(readable))})" if readable else "0 = 1"
    named = f"e.object_id IN ({', '.join(['%s'] * len(circulars))})" if circulars else "0 = 1"
    clauses = [f"((e.kind <> %s AND {own_units}) OR (e.kind = %s AND {named}))"]
    params = [CIRCULAR.code, *sorted(readable), CIRCULAR.code, *circulars]
    secret = list(CLASSIFIED)
    own = [] if scope.all_units else sorted(scope.act_unit_ids & readable)
    cleared = [c for c in cleared_for(scope.clearance) if c in secret]
    if own and cleared:
        clauses.append(
            f"(e.classification NOT IN (%s, %s) OR (e.unit_id IN ({', '.join(['%s'] * len(own))}) "
            f"AND e.classification IN ({', '.join(['%s'] * len(cleared))})))"
        )
        params += [*secret, *own, *cleared]
    else:
        clauses.append("e.classification NOT IN (%s, %s)")
        params += secret
    moments = (
        since and connection.ops.adapt_datetimefield_value(since),
        until and connection.ops.adapt_datetimefield_value(until),
    )
    for clause, value in (
        ("e.kind = %s", kind),
        ("e.at >= %s", moments[0]),
        ("e.at < %s", moments[1]),
        ("e.classification = %s", level),
    ):
        if value:
            clauses.append(clause)
            params.append(value)
    return " AND ".join(clauses), params


# SQLite: a common word matches most of a city-year; the best of its most recent WINDOW matches are shown
# first (entry ids follow time), and the whole index is ranked only when that window holds too few readable.
WINDOW = 20000


def _matching(where: str, params: list, terms: list[Term], limit: int, offset: int) -> tuple[list[int], int]:
    """The ids of the matching entries, best first, through the full-text index of the database."""
    if connection.vendor != "sqlite":
        return _matching_postgres(where, params, terms, limit, offset)
    match = " AND ".join(f'"{t.text}"' + ("*" if t.prefix else "") for t in terms)
    found = (
        "SELECT rowid AS id, bm25(archive_search_fts) AS score FROM archive_search_fts "
        "WHERE archive_search_fts MATCH %s ORDER BY rowid DESC"
    )
    order = "ORDER BY m.score ASC, e.at DESC"  # bm25: lower is better

    def run(window: int | None) -> tuple[list[int], int]:
        limited = f"{found} LIMIT %s" if window else found
        base = f"FROM ({limited}) AS m JOIN archive_searchentry e ON e.id = m.id WHERE {where}"  # nosec B608
        head = [match, *([window] if window else [])]
        with connection.cursor() as cursor:
            cursor.execute(  # nosec B608: our SQL, every value a parameter
                f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %s) AS capped", [*head, *params, COUNT_CAP + 1]
            )
            total = cursor.fetchone()[0]
            cursor.execute(f"SELECT e.id {base} {order} LIMIT %s OFFSET %s", [*head, *params, limit, offset])  # nosec B608
            return [row[0] for row in cursor.fetchall()], total

    ids, total = run(WINDOW)
    if total <= offset + limit and _window_full(found, match):
        ids, total = run(None)  # the window held too few this person may read: the whole index
    return ids, total


# PostgreSQL filters by the person's scope inside the match (one table, `tsv` stored: migration 0005).
# A common word's matches are ranked among the newest POSTGRES_SPAN entries first (a bitmap of the word
# and of the id range, so only those rows are read), widened fourfold while they do not fill the page:
# the planner, which multiplies the words' frequencies, takes the pairs of one phrase (交通, 通事, 事故)
# for rare and would otherwise read every match of them.
POSTGRES_SPAN = 50000


def _matching_postgres(
    where: str, params: list, terms: list[Term], limit: int, offset: int
) -> tuple[list[int], int]:
    """The matches this person may read, ranked by ts_rank normalised by the entry's length (a record
    about the words before one that mentions them among much else, as bm25 has it on SQLite), then by
    time; for a common word (more than COUNT_CAP matches), among the newest entries first."""
    match = " & ".join(t.text + (":*" if t.prefix else "") for t in terms)
    found = f"FROM archive_searchentry e WHERE e.tsv @@ to_tsquery('simple', %s) AND {where}"  # nosec B608
    ranked = (
        f"SELECT m.id FROM (SELECT e.id, e.at, ts_rank(e.tsv, to_tsquery('simple', %s), 1) AS score "
        f"{found} AND e.id > %s) AS m ORDER BY m.score DESC, m.at DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(  # nosec B608: our SQL, every value a parameter
            f"SELECT count(*) FROM (SELECT 1 {found} LIMIT %s) AS capped", [match, *params, COUNT_CAP + 1]
        )
        total = cursor.fetchone()[0]
        newest, span = 0, 0
        if total > COUNT_CAP:
            cursor.execute("SELECT coalesce(max(id), 0) FROM archive_searchentry")
            newest, span = cursor.fetchone()[0], POSTGRES_SPAN
        while True:
            after = max(newest - span, 0) if span else 0
            cursor.execute(ranked, [match, match, *params, after, limit, offset])  # nosec B608
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) == limit or after == 0:
                return ids, total
            span *= 4


def _window_full(found: str, match: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({found} LIMIT %s) AS m", [match, WINDOW])  # nosec B608
        return cursor.fetchone()[0] >= WINDOW


def record_url(entry: SearchEntry) -> str:
    kind = BY_MODEL.get(entry.model)
    name, key = URLS[kind.code]
    if kind.code == "handover":
        record = kind.model.objects.filter(pk=entry.object_id).only("shift_id").first()
        return reverse(name, args=[key(record)]) if record else ""
    return reverse(name, args=[entry.object_id])


def marked(text: str, shown: list[str]) -> SafeString:
    """The text with the matched words in <mark>, everything else escaped."""
    if not text or not shown:
        return mark_safe(escape(text or ""))  # nosec B703 B308: escaped
    words = sorted(set(shown), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last : found.start()]))
        out.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # nosec B703 B308: every piece escaped above
