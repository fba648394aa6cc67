"""FaultPlan: matching, counting down, validation; TrafficStats snapshots."""

from __future__ import annotations

import pytest

from gemini_audio_tools.emulator.faults import FaultPlan, FaultRule


def test_a_rule_fires_its_number_of_times_then_disappears() -> None:
    plan = FaultPlan()
    plan.error(503, operation="models.*", times=2)

    hits = [plan.take("models.generateContent") for _ in range(3)]

    assert [h is not None for h in hits] == [True, True, False]
    assert plan.rules == []


def test_rules_match_operations_by_glob_and_leave_others_alone() -> None:
    plan = FaultPlan()
    plan.error(429, operation="upload.*")

    assert plan.take("files.get") is None
    rule = plan.take("upload.chunk")
    assert rule is not None and rule.status_code == 429


def test_a_rule_with_times_none_fires_forever() -> None:
    plan = FaultPlan()
    plan.error(500, times=None)

    assert all(plan.take("files.list") is not None for _ in range(20))


def test_rules_fire_in_the_order_they_were_armed() -> None:
    plan = FaultPlan()
    plan.error(429)
    plan.error(503)

    codes = [r.status_code for r in (plan.take("x"), plan.take("x")) if r is not None]

    assert codes == [429, 503]


def test_an_error_rule_carries_retry_after_and_the_api_status() -> None:
    error = FaultRule(status_code=429, retry_after=2.5).to_error()

    assert error.code == 429 and error.status == "RESOURCE_EXHAUSTED"
    assert error.headers == {"Retry-After": "2.5"}
    assert error.to_json()["error"]["message"]  # type: ignore[index]


@pytest.mark.parametrize(
    "rule",
    [FaultRule(times=0), FaultRule(status_code=302), FaultRule(kind="drop", drop_after_bytes=-1)],
)
def test_nonsense_rules_are_refused(rule: FaultRule) -> None:
    with pytest.raises(ValueError):
        FaultPlan().add(rule)


def test_slow_processing_and_forced_failures_apply_to_the_next_uploads_only() -> None:
    plan = FaultPlan()
    plan.slow_processing(10, files=2)
    plan.fail_uploads(1, "bad")

    holds = [plan.take_processing() for _ in range(3)]
    failures = [plan.take_failed_upload() for _ in range(2)]

    assert [h.seconds if h else None for h in holds] == [10, 10, None]
    assert failures == ["bad", None]


def test_clear_disarms_everything_but_keeps_the_counters() -> None:
    plan = FaultPlan()
    plan.count_request("files.get")
    plan.error(503)
    plan.slow_processing(None)
    plan.audio_latency_per_hour = 5

    plan.clear()

    assert plan.take("files.get") is None and plan.take_processing() is None
    assert plan.audio_latency_per_hour == 0
    assert plan.stats.snapshot()["requests"] == {"files.get": 1}
