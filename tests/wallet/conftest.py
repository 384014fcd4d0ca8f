import datetime as dt
import zoneinfo

import pytest
import time_machine

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def shanghai(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    """Every wallet test runs on a frozen clock: Monday 10 March 2025, 10:00 in Shanghai."""
    with time_machine.travel(shanghai(2025, 3, 10, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on-commit work (sending the one-time code) as a real commit would."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture
