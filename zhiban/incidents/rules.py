"""The reporting rules in force for a unit (B21/B29): for each category of event (and sub-kind where a
law sets its own deadlines) and each grade, the phone and written minutes, whether the superior must be
told, and the follow-up schedule.

A value is looked up in this order, the first found wins:
1. a row for the event's sub-kind at its grade: the unit's own, else the nearest unit above with one
   (a law's deadlines apply wherever the unit sits);
2. a row for the category at that grade, the same way up the tree;
3. the duty policy's one pair of minutes (zhiban.org.policy: the regulation's 15 and 30), reported,
   with no follow-up schedule.
A sensitive event, or one that may grow into 较大 or above, takes the strictest row of its kind and is
always reported (B21: 不受分类分级标准限制)."""

from __future__ import annotations

from dataclasses import dataclass

from zhiban.incidents.models import GRADE_ORDER, Event, FollowUpSchedule, ReportingRule
from zhiban.org.models import Unit
from zhiban.org.policy import effective_policy

GRADES = [g for g in reversed(GRADE_ORDER)]  # 特别重大 first, 尚未定级 last, as the tables print them


@dataclass(frozen=True)
class Rule:
    category: str
    subkind: str
    grade: str
    phone_minutes: int
    written_minutes: int
    required: bool
    schedule: FollowUpSchedule
    source: Unit | None  # the unit whose row it is; None: the duty policy's pair
    basis: str = ""
    row: ReportingRule | None = None

    @property
    def grade_label(self) -> str:
        return Event.Grade(self.grade).label

    @property
    def kind_label(self) -> str:
        return Event.Category(self.category).label + (f"·{self.subkind}" if self.subkind else "")

    def describe(self, sensitive: bool = False) -> str:
        """Where an event's deadlines come from, as its page says it: 市政府规定：自然灾害·较大."""
        whose = f"{self.source.label}规定" if self.source else "值班工作规则"
        grade = self.grade_label.split("（")[0]
        if sensitive:  # the row is the strictest of its kind, not the event's grade
            return f"{whose}：{self.kind_label}（敏感事件，按其中最严格的{grade}时限）"
        return f"{whose}：{self.kind_label}·{grade}"

    def stricter_than(self, other: Rule) -> bool:
        return (self.phone_minutes, self.written_minutes) < (other.phone_minutes, other.written_minutes)


class RuleTable:
    """The rules one unit works by: its own rows and those of the units above it, in one query."""

    def __init__(self, unit: Unit):
        self.unit = unit
        self.policy = effective_policy(unit)
        chain = [unit.pk, *reversed(unit.ancestor_ids())]  # nearest first
        rows = ReportingRule.objects.filter(unit_id__in=chain).select_related("unit")
        self._rows: dict[tuple[str, str, str], list[ReportingRule]] = {}
        for row in sorted(rows, key=lambda r: chain.index(r.unit_id)):
            self._rows.setdefault((row.category, row.subkind, row.grade), []).append(row)

    def own(self, category: str, subkind: str, grade: str) -> ReportingRule | None:
        rows = self._rows.get((category, subkind, grade), [])
        return rows[0] if rows and rows[0].unit_id == self.unit.pk else None

    def rule(self, category: str, subkind: str, grade: str) -> Rule:
        for key in (
            ((category, subkind, grade), (category, "", grade)) if subkind else ((category, "", grade),)
        ):
            rows = self._rows.get(key)
            if rows:
                row = rows[0]
                return Rule(
                    category,
                    subkind,
                    grade,
                    row.phone_minutes,
                    row.written_minutes,
                    row.required,
                    FollowUpSchedule.parse(row.followup_times, row.followup_hours),
                    row.unit,
                    row.basis,
                    row,
                )
        return Rule(
            category,
            subkind,
            grade,
            self.policy.phone_report_minutes,
            self.policy.written_report_minutes,
            True,
            FollowUpSchedule(),
            None,
        )

    def strictest(self, category: str, subkind: str) -> Rule:
        """The row with the shortest deadlines of the kind, always reported (a sensitive event)."""
        rules = [self.rule(category, subkind, g) for g in GRADES]
        strictest = min(
            rules, key=lambda r: (r.phone_minutes, r.written_minutes, -GRADE_ORDER.index(r.grade))
        )
        schedules = [r.schedule for r in rules if r.schedule]
        schedule = strictest.schedule or (schedules[0] if schedules else FollowUpSchedule())
        return Rule(
            category,
            subkind,
            strictest.grade,
            strictest.phone_minutes,
            strictest.written_minutes,
            True,
            schedule,
            strictest.source,
            strictest.basis,
            strictest.row,
        )

    def for_event(self, category: str, subkind: str, grade: str, sensitive: bool) -> Rule:
        return self.strictest(category, subkind) if sensitive else self.rule(category, subkind, grade)

    def subkinds(self) -> list[tuple[str, str]]:
        """(category, sub-kind) named by a row here or above, for the event form's list."""
        found = sorted({(c, s) for c, s, _ in self._rows if s}, key=lambda k: (_CATEGORIES.index(k[0]), k[1]))
        return found

    def grid(self) -> list[tuple[str, str, list[Rule]]]:
        """The table as its page prints it: each category, then each sub-kind, with a rule per grade."""
        kinds = [(c, "") for c in _CATEGORIES] + self.subkinds()
        kinds.sort(key=lambda k: (_CATEGORIES.index(k[0]), k[1]))
        return [(c, s, [self.rule(c, s, g) for g in GRADES]) for c, s in kinds]


_CATEGORIES = list(Event.Category.values)
