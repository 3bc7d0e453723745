"""The duty policy in force for a unit (B29): each number is the unit's own, or inherited from the
nearest ancestor that sets it, or the regulation's default below — the only place these numbers are
written in code."""

from __future__ import annotations

from dataclasses import dataclass

from zhiban.lib.dates import minutes_words
from zhiban.org.models import DutyPolicy, Unit

# The defaults the two regulations give; see RULES.md for the rule of each.
POLICY_DEFAULTS: dict[str, int] = {
    "phone_report_minutes": 15,  # B21
    "written_report_minutes": 30,  # B21
    "verification_phone_minutes": 15,  # B20/B21
    "verification_written_minutes": 30,  # B20/B21
    "answer_within_rings": 3,  # A2.5
    "handover_reminder_minutes": 60,  # A2.3
    "primary_early_minutes": 10,  # B7
    "min_fixed_lines": 2,  # B23
    "training_valid_months": 12,  # B16
    "rest_hours_after_night": 24,  # roster: after a night or 24-hour shift, no duty for this long
    "min_days_between_shifts": 2,  # roster (a preference): one person's shifts start this many days apart
    "swap_needs_department_head": 1,  # A3.2: the department head approves a swap before the duty office
    "matter_reminder_hours": 12,  # B12/A1.11: the owner of an open matter is reminded this often
    "instruction_feedback_hours": 24,  # A1.2/B5: feedback on a leader's instruction is due this long after
    "deadline_warning_minutes": 5,  # B21: the people on duty are warned this long before a report is due
    "missed_after_minutes": 1440,  # B21/B28: a report not made this long after its deadline is missed (漏报)
    "phone_report_sign_off": 0,  # B22: a phone report goes first, without waiting for a leader's sign-off
    "roll_call_minutes": 5,  # A2.8: a unit called at a roll call answers on its duty screen within this
    "score_per_report": 1,  # the information score sheet: each report sent up
    "score_per_adopted": 2,  # each report the superior adopted into its own information
    "score_per_instructed": 3,  # each event a leader gave an instruction on
    "deduct_per_late": 2,  # each late report (迟报)
    "deduct_per_missed": 5,  # each missed report (漏报)
    "deduct_per_irregular": 1,  # each report marked irregular (报送不规范)
    "brief_cutoff_hour": 16,  # B26/A1.12: the daily brief (值班要情) covers the day up to this hour, from this hour the day before
    "max_solver_gap_percent": 5,  # B9: a solved roster further than this from its proven optimum is published only on a recorded confirmation
    # roster limits (0: none), held by the solver and checked on a hand-made roster alike; a month's
    "max_consecutive_duty_days": 0,  # days in a row with a shift
    "max_weekends_per_month": 0,  # weekends with a shift on either day
    "max_duty_hours_per_month": 0,  # hours on duty
}
POLICY_FIELDS = tuple(POLICY_DEFAULTS)
YES_NO = frozenset(
    {"swap_needs_department_head", "phone_report_sign_off"}
)  # kept as 1 or 0, said and chosen as 是 or 否


@dataclass(frozen=True)
class PolicyValue:
    field: str
    label: str
    value: int
    source: Unit | None  # None: the regulation's default

    @property
    def shown(self) -> str:
        """The value as a person reads it: a yes-or-no setting in words, a number as it is."""
        if self.field in YES_NO:
            return "是" if self.value else "否"
        if self.field.endswith("_minutes"):
            return minutes_words(self.value)  # 1440 -> 24小时, never a bare count of minutes
        return str(self.value)

    @property
    def plain_label(self) -> str:
        """The label without the unit of a value said in words: 逾期未报记为漏报, not …（分钟）."""
        return self.label.replace("（分钟）", "") if self.field.endswith("_minutes") else self.label


@dataclass(frozen=True)
class EffectivePolicy:
    unit: Unit
    values: dict[str, PolicyValue]

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name].value
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict[str, int]:
        return {name: v.value for name, v in self.values.items()}

    def rows(self) -> list[PolicyValue]:
        return [self.values[name] for name in POLICY_FIELDS]


def effective_policy(unit: Unit) -> EffectivePolicy:
    """One query for the policies along the unit's path; the nearest one that sets a value wins."""
    return effective_policies([unit])[unit.pk]


def effective_policies(units) -> dict[int, EffectivePolicy]:
    """Each unit's policy (by unit id), with one query for the policies along all their paths: a page
    of people of many units asks once, not once per unit."""
    units = {u.pk: u for u in units}
    chains = {pk: [*u.ancestor_ids(), pk] for pk, u in units.items()}
    wanted = {i for chain in chains.values() for i in chain}
    policies = {p.unit_id: p for p in DutyPolicy.objects.filter(unit_id__in=wanted).select_related("unit")}
    return {pk: _resolve(units[pk], chain, policies) for pk, chain in chains.items()}


def _resolve(unit: Unit, chain: list[int], policies: dict) -> EffectivePolicy:
    values = {}
    for name in POLICY_FIELDS:
        label = DutyPolicy._meta.get_field(name).verbose_name
        value, source = POLICY_DEFAULTS[name], None
        for unit_id in reversed(chain):
            policy = policies.get(unit_id)
            if policy is not None and getattr(policy, name) is not None:
                value, source = getattr(policy, name), policy.unit
                break
        values[name] = PolicyValue(name, str(label), value, source)
    return EffectivePolicy(unit, values)
