"""The printed guide of `seed_demo`: one line per login, saying what to try with it.

Every demo module returns the lines of the logins it shows off; a login named by several
modules gets one line with all their hints.
"""

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    name: str
    tip: str = ""


def guide_merge(logins: list[DemoLogin], more: list[DemoLogin]) -> list[DemoLogin]:
    """`logins` with `more` folded in: a known username gains the hint, a new one is added."""
    merged = {login.username: login for login in logins}
    for line in more:
        known = merged.get(line.username)
        if known is None:
            merged[line.username] = line
        elif line.tip:
            tip = f"{known.tip}；{line.tip}" if known.tip else line.tip
            merged[line.username] = replace(known, tip=tip)
    return list(merged.values())
