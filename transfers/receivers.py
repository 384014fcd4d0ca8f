"""Answers to the core's questions (accounts.hooks), each handing over to a selector."""

from . import selectors


def posting_details(sender, references, viewer_id, **kwargs) -> dict[str, dict]:
    """Statements ask which application a 转移接续 posting belongs to."""
    return selectors.statement_details(references=references)
