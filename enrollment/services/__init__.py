"""Writes of the enrollment app, one module per sub-domain.

- feed: the person feed (upsert persons and enrollments; name check, accounts, freezing)
- personal_accounts: opening and freezing (封存) personal accounts as enrollments change
- duplicates: set-based duplicate resolution (就高就新) and the account merges that follow
- cases: staff revert a case
- name_checks: the employer's (or community's) name report, staff confirm or reject it
- emergency: 急需就医 emergency restore
"""

from .feed import PersonFeedResult, persons_feed_apply

__all__ = ["PersonFeedResult", "persons_feed_apply"]
