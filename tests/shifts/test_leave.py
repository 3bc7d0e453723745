"""Leaving the duty room (A2.2): only with the primary's consent, never as the last one."""

from __future__ import annotations

import pytest

from tests.shift_fixtures import PASSWORD, at, travel
from zhiban.shifts import services
from zhiban.shifts.models import Leave


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_2_a_deputy_leaves_only_with_the_primary_and_never_as_the_last_one(org, duty):
    services.check_in(duty.day, org.deputy, at(8, 30))
    with pytest.raises(services.ShiftError, match="最后一人不能离岗"):
        services.leave_ask(duty.day, org.deputy, org.officer, "取文件")
    services.check_in(duty.day, org.officer, at(8, 20))
    deputy = org.client(org.deputy)
    with travel(at(10)):
        deputy.post(f"/duty/shifts/{duty.day.pk}/leave/", {"reason": "取文件", "primary_password": "wrong"})
        assert not Leave.objects.exists()
        deputy.post(f"/duty/shifts/{duty.day.pk}/leave/", {"reason": "取文件", "primary_password": PASSWORD})
    leave = Leave.objects.get()
    assert (leave.person, leave.approved_by) == (org.deputy, org.officer)
    with pytest.raises(services.ShiftError, match="主班本人不能离岗"):
        services.leave_ask(duty.day, org.officer, org.officer, "开会")
    deputy.post(f"/duty/shifts/{duty.day.pk}/leave/{leave.pk}/back/")
    leave.refresh_from_db()
    assert leave.back_at is not None
