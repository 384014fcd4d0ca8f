"""Questions the core asks the apps above it, which it may not import (SPEC §8).

Each is a Django signal: an app that holds the answer connects a receiver when it starts
(enrollment does in its AppConfig.ready); the core merges what the receivers return.
"""

from django.dispatch import Signal

# Employers about to move to another region. Sent with `moves`: {employer id: old region
# code}. A receiver returns {employer id: number of employees still enrolled in the old
# region}; any such employee refuses the move.
employer_region_change_requested = Signal()

# What a statement says about postings the core cannot explain alone (whom a wallet transfer
# went to). Sent with `references` (posting references) and `viewer_id` (the person reading);
# a receiver returns {reference: {"counterparty": str, "purpose": str}} for those it knows.
posting_details_requested = Signal()

# A person's regions for the period gate of business about the person (在职转退休). Sent with
# `person`; a receiver returns the codes of the regions where it holds records of the person.
person_regions_requested = Signal()

# A resident premium paid outside the tax feed (a family wallet's 代缴), inside the payer's
# transaction. Sent with `person`, `region`, `year`, `amount_fen`, `paid_at`; refunds records
# it as a premium on record (so it may be refunded), the wallet needs no answer.
resident_premium_paid = Signal()


def employees_enrolled_in_old_region(*, moves: dict[int, str]) -> dict[int, int]:
    """{employer id: employees still enrolled in its old region}, from every receiver."""
    enrolled: dict[int, int] = {}
    if not moves:
        return enrolled
    for _receiver, answer in employer_region_change_requested.send(sender=None, moves=moves):
        for employer_id, count in (answer or {}).items():
            enrolled[employer_id] = enrolled.get(employer_id, 0) + count
    return enrolled


def person_regions(*, person) -> set[str]:
    """The regions where some app holds records of the person."""
    return {
        code
        for _receiver, answer in person_regions_requested.send(sender=None, person=person)
        for code in answer or ()
    }


def posting_details(*, references: set[str], viewer_id: int | None) -> dict[str, dict]:
    """{reference: {"counterparty", "purpose"}} from every receiver (nothing asked, none sent)."""
    details: dict[str, dict] = {}
    if not references:
        return details
    for _receiver, answer in posting_details_requested.send(
        sender=None, references=references, viewer_id=viewer_id
    ):
        details.update(answer or {})
    return details
