"""Writes of the enrollment app, one module per sub-domain.

- feed: the person feed (upsert persons and enrollments; name check, accounts, freezing)
- personal_accounts: opening and freezing (封存) personal accounts as enrollments change
- duplicates: set-based duplicate resolution (就高就新) and the account merges that follow
- cases: staff and employer decisions on cases (revert, name confirmation)
- emergency: 急需就医 emergency restore
"""

from .feed import PersonFeedResult, persons_feed_apply

__all__ = ["PersonFeedResult", "persons_feed_apply"]
