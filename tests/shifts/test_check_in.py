"""Check-in (B7): the primary due the policy's minutes early, lateness recorded, check-in opening only shortly before."""

from __future__ import annotations

import pytest

from tests.shift_fixtures import at
from zhiban.org.models import DutyPolicy
from zhiban.shifts import services


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_check_in_opens_only_the_policys_minutes_before_it_is_due(org, duty):
    with pytest.raises(services.ShiftError, match="签到尚未开始"):
        services.check_in(duty.night, duty.night_primary, at(8, 5))
    assert services.check_in(duty.night, duty.night_primary, at(16, 25)).minutes_late == 0


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_the_primary_is_due_the_policys_minutes_early_and_lateness_is_recorded(org, duty):
    DutyPolicy.objects.create(unit=org.county, primary_early_minutes=15)
    on_time = services.check_in(duty.day, org.officer, at(8, 15))
    late = services.check_in(duty.day, org.deputy, at(8, 40))
    assert on_time.minutes_late == 0 and on_time.due_at == at(8, 15)
    assert late.minutes_late == 10 and late.due_at == at(8, 30)  # deputies are due at the start
    with pytest.raises(services.ShiftError, match="您已签到"):
        services.check_in(duty.day, org.officer, at(8, 20))
    with pytest.raises(services.ShiftError, match="不在本班次"):
        services.check_in(duty.day, duty.night_primary, at(8, 20))
