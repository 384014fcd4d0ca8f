"""Signing in through the login page, layout checks run in the page, and the data that gives
every portal list rows and buttons (a binding to confirm, a transfer to accept, a batch …)."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from refunds.services import batches, clearances
from tests.factories import TEST_PASSWORD, StaffUserFactory, UserFactory
from tests.refunds.factories import batch_payload, employer_with_employees, item, xian_policy_set
from tests.transfers.factories import ready_person
from tests.wallet.factories import bind, family_pair, fund, insured_person, last_code, open_wallet
from wallet.models import Relation
from wallet.services import family, transfers

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}

# Problems of the page as a list of strings: wider than the window; a control outside the
# window horizontally or under 44px tall (phones); a no-wrap cell cut off.
LAYOUT_PROBLEMS = """
(minHeight) => {
  const width = window.innerWidth;
  const problems = [];
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width) problems.push(`page is ${pageWidth}px wide in ${width}px`);
  const controls = document.querySelectorAll(
    "#main .button, #main button, #main select, #main textarea, " +
    "#main input:not([type=hidden]):not([type=checkbox]):not([type=radio])");
  for (const control of controls) {
    if (!control.getClientRects().length) continue;
    const box = control.getBoundingClientRect();
    const name = (control.innerText || control.name || control.id || control.tagName).trim();
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push(`${name} sits at ${Math.round(box.left)}–${Math.round(box.right)}px`);
    }
    if (box.height < minHeight - 0.5) problems.push(`${name} is ${box.height}px tall`);
  }
  for (const cell of document.querySelectorAll("#main .nowrap")) {
    if (getComputedStyle(cell).display === "inline") continue;
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`cut: ${cell.innerText}`);
  }
  return problems;
}
"""


def layout_problems(page, *, touch: bool) -> list[str]:
    return page.evaluate(LAYOUT_PROBLEMS, 44 if touch else 0)


def ten_in_the_morning() -> dt.datetime:
    """Today 10:00 in Shanghai: wallet transfers pause at night. Near the real time, so the
    browser keeps the cookies the server dates."""
    return timezone.now().astimezone(SHANGHAI).replace(hour=10, minute=0, second=0)


def sign_in(page, live_server, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def send(sender, recipient, amount: str, *, confirm: bool = True):
    transfer = transfers.wallet_transfer_create(
        sender=sender,
        to_national_id=recipient.national_id,
        amount=amount,
        idempotency_key=f"{sender.pk}:{recipient.pk}:{amount}",
    )
    if not confirm:
        return transfer
    return transfers.wallet_transfer_confirm(
        transfer_id=transfer.pk, sender=sender, code=last_code(sender)
    )


def wallet_family():
    """(person, data): a person with a funded wallet, a confirmed binding, a request waiting
    for them to confirm, a transfer waiting for them to accept, one they sent that was accepted
    and one that waits for its code."""
    person, spouse, binding = family_pair()
    brother = insured_person(name="王建国")
    fund(brother, 500_000)
    open_wallet(brother)
    bind(brother, person, Relation.SIBLING)
    incoming = send(brother, person, "88.00")
    asking = insured_person(name="李秀兰")
    request = family.family_binding_request(
        requester=asking, national_id=person.national_id, name=person.name, relation="PARENT"
    )
    accepted = send(person, spouse, "200.00")
    transfers.wallet_transfer_accept(transfer_id=accepted.pk, recipient=spouse)
    awaiting = send(person, spouse, "50.00", confirm=False)
    return person, {
        "spouse": spouse,
        "binding": binding,
        "brother": brother,
        "incoming": incoming,
        "request": request,
        "awaiting": awaiting,
    }


def transfer_applicant():
    """A person who has filed a 转移接续 application from 西安 to 太原."""
    from tests.transfers.test_pages import submitted

    person, _account = ready_person()
    return person, submitted(person)


def employer_with_refunds(service_client):
    """An employer with an approved refund batch (money in its pending account), a clearance
    request and an employee whose name awaits its check."""
    from tests.enrollment.test_verification_pages import mismatch
    from tests.factories import EnrollmentFactory
    from tests.refunds.conftest import receive

    xian_policy_set()
    employer, (person,) = employer_with_employees(1)
    items = [item(person, p, "10000.00", "8000.00") for p in ("202404", "202405", "202406")]
    batch = receive(batch_payload(employer, items, reference="SW-2026-001"))
    batches.refund_batch_approve(batch_id=batch.pk, by=StaffUserFactory(regions=["610100"]))
    employer.user = UserFactory(username=employer.code, kind=User.Kind.EMPLOYER)
    employer.save(update_fields=["user"])
    clearances.clearance_request(
        employer=employer,
        by=employer.user,
        amount=Decimal("100.00"),
        bank_name="中国银行",
        bank_account="6222020200001234567",
    )

    def enroll(person, scheme, region, **extra):
        return EnrollmentFactory(person=person, scheme=scheme, region_id=region, **extra)

    mismatch(service_client, enroll, name="李娜", reported="李那", employer=employer)
    return employer, batch
