"""What elder mode's home block needs, read only when that block is shown."""

from django import template

from accounts import selectors

register = template.Library()


@register.simple_tag
def account_summary_of(person):
    """{% account_summary_of person as summary %}: the personal account's balances, or None."""
    return selectors.account_summary(person=person)
