"""Paying from the wallet: a family member's resident premium, or the self-paid part of a bill
at a designated hospital or pharmacy. Wallet money is never paid out as cash: these two
purposes are the only ways out of a wallet account.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Invalid, Refused, RuleViolation
from accounts.hooks import resident_premium_paid
from accounts.models import (
    DesignatedInstitution,
    InsuredPerson,
    LedgerAccount,
    ResidentPremiumRate,
    fen_to_yuan,
)
from accounts.services.ledger import (
    InsufficientBalance,
    external_account,
    posting_create,
    region_account,
    yuan_to_fen,
)

from .. import selectors
from ..models import PaymentCode, Wallet, WalletPayment
from .common import event_record, suspended_message
from .payment_codes import payment_code_digest, payment_code_normalise

Purpose = WalletPayment.Purpose
Refusal = PaymentCode.Refusal
KIND_BY_PURPOSE = {
    Purpose.RESIDENT_PREMIUM: "WALLET_PREMIUM",
    Purpose.MEDICAL: "WALLET_MEDICAL",
}


class PaymentNotAuthorised(RuleViolation):
    """The one answer an institution gets for any refused settlement: nothing about the person.

    402 as payment providers answer a declined card; the person sees why on their code.
    """

    status_code = 402

    def __init__(self):
        message = _("支付未获授权。请参保人在医保服务门户查看原因或重新生成付款码。")
        super().__init__(message, field="payment_code", rule="not_authorised")


def _amount_fen(amount) -> int:
    amount_fen = yuan_to_fen(str(amount))
    if amount_fen <= 0:
        raise BusinessRuleViolation(_("支付金额必须大于0。"), field="amount", status_code=400)
    return amount_fen


def _open_wallet(person: InsuredPerson, *, field: str | None = None) -> Wallet:
    wallet = (
        Wallet.objects.select_related("usage_region", "insured_region", "account")
        .filter(person=person)
        .first()
    )
    if wallet is None or wallet.status != Wallet.Status.OPEN:
        raise Invalid(_("医保钱包未开通，不能支付。"), field=field)
    check_not_suspended(wallet=wallet)
    return wallet


def check_not_suspended(*, wallet: Wallet) -> None:
    """Nothing is spent from the wallet of a person whose enrollment where it is insured is
    suspended (暂停): the record may be someone else's until it is verified."""
    if selectors.suspended_in(person=wallet.person, region_id=wallet.insured_region_id):
        raise Refused(
            suspended_message(region_name=wallet.insured_region.name), rule="enrollment_suspended"
        )


def _same_payment_or_conflict(existing: WalletPayment, *, amount_fen: int, beneficiary_id: int):
    if (existing.amount_fen, existing.beneficiary_id) != (amount_fen, beneficiary_id):
        raise Refused(_("该幂等键（或结算单号）已用于另一笔不同的支付。"))
    return existing


def _wallet_pay(
    *,
    wallet: Wallet,
    to_account: LedgerAccount,
    purpose: str,
    amount_fen: int,
    payment_fields: dict,
    idempotency_key: str,
    actor: InsuredPerson | None,
    actor_label: str = "",
    reveal_balance: bool = True,
) -> WalletPayment:
    """The only way money leaves a wallet: one payment row and one posting, in one transaction.

    Too little money: a refusal naming the balance, or (`reveal_balance=False`, for callers
    that are not the person) `InsufficientBalance` itself.
    """
    if purpose not in KIND_BY_PURPOSE:  # never cash, never anything else
        raise Invalid(_("医保钱包资金只能用于缴纳居民医保费和支付定点医药机构的个人自付费用。"))
    existing = WalletPayment.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return _same_payment_or_conflict(
            existing, amount_fen=amount_fen, beneficiary_id=payment_fields["beneficiary"].pk
        )
    try:
        with transaction.atomic():
            payment = WalletPayment.objects.create(
                wallet=wallet,
                purpose=purpose,
                amount_fen=amount_fen,
                idempotency_key=idempotency_key,
                **payment_fields,
            )
            posting_create(
                from_account=wallet.account,
                to_account=to_account,
                amount_fen=amount_fen,
                kind=KIND_BY_PURPOSE[purpose],
                idempotency_key=f"wallet-payment:{payment.pk}",
                reference=f"wallet_payment:{payment.pk}",
            )
    except InsufficientBalance:
        if not reveal_balance:
            raise
        balance = LedgerAccount.objects.get(pk=wallet.account_id).balance_fen
        raise Refused(
            _("医保钱包余额 %(balance)s 元，不足本次支付的 %(amount)s 元。")
            % {"balance": fen_to_yuan(balance), "amount": fen_to_yuan(amount_fen)},
            field="amount",
        ) from None
    except IntegrityError:
        existing = WalletPayment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:  # the premium for that year was paid by another request
            raise Refused(_("该成员本年度的居民医保费已由医保钱包缴纳。"), field="year") from None
        return _same_payment_or_conflict(
            existing, amount_fen=amount_fen, beneficiary_id=payment_fields["beneficiary"].pk
        )
    event_record(
        action=f"payment_{purpose.lower()}",
        obj=payment,
        actor=actor,
        actor_label=actor_label,
        after={
            "amount": str(payment.amount),
            "for": payment_fields.get("bill_reference") or str(payment_fields.get("year") or ""),
        },
    )
    return payment


def _premium_due_fen(*, region, year: int, amount) -> int:
    """The region's amount due for the year (policy); a typed amount must equal it."""
    rate = ResidentPremiumRate.objects.filter(region=region, year=year).first()
    if rate is None:
        raise Invalid(
            _("%(region)s尚未设定 %(year)d 年度的居民医保个人缴费标准，暂不能缴纳。")
            % {"region": region.name, "year": year},
            field="year",
        )
    if amount not in (None, "") and yuan_to_fen(str(amount)) != rate.amount_fen:
        raise Invalid(
            _(
                "amount：%(region)s %(year)d 年度居民医保个人缴费标准为 %(due)s 元，与填写的金额不符。"
            )
            % {"region": region.name, "year": year, "due": rate.amount},
            field="amount",
        )
    return rate.amount_fen


@transaction.atomic
def wallet_premium_pay(
    *,
    payer: InsuredPerson,
    for_national_id: str,
    year: int,
    idempotency_key: str,
    amount=None,
) -> WalletPayment:
    """Pay one's own or a confirmed family member's resident-insurance premium (代缴).

    The amount is the one due in the member's resident region for that year (policy); an
    `amount` sent must equal it. Refused: no Idempotency-Key; no open wallet; not oneself or
    confirmed family; the payer suspended where the wallet is insured (`enrollment_suspended`);
    a year other than this or next; no resident enrollment; no rate for the
    region and year; a different amount; already paid for that year; too little money.
    """
    if not idempotency_key or len(idempotency_key) > 80:
        raise BusinessRuleViolation(
            _("请求头 Idempotency-Key 必填，长度不超过80个字符。"),
            field="Idempotency-Key",
            status_code=400,
        )
    wallet = _open_wallet(payer)
    beneficiary = InsuredPerson.objects.filter(national_id=for_national_id.strip().upper()).first()
    if beneficiary is None or (
        beneficiary.pk != payer.pk
        and selectors.confirmed_binding_between(person=payer, other_id=beneficiary.pk) is None
    ):
        raise Invalid(
            _("只能为本人或已确认绑定的家庭成员缴纳居民医保费。"), field="for_national_id"
        )
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise Invalid(
            _("只能缴纳 %(this)d 或 %(next)d 年度的居民医保费。")
            % {"this": this_year, "next": this_year + 1},
            field="year",
        )
    region = selectors.resident_region(person=beneficiary)
    if region is None:
        raise Invalid(
            _("该参保人没有城乡居民医保参保登记，不能代缴居民医保费。"),
            field="for_national_id",
        )
    amount_fen = _premium_due_fen(region=region, year=year, amount=amount)
    key = f"premium:{payer.pk}:{idempotency_key}"
    paid = WalletPayment.objects.filter(
        beneficiary=beneficiary, year=year, purpose=Purpose.RESIDENT_PREMIUM
    ).first()
    if paid is not None and paid.idempotency_key != key:
        raise Refused(
            _("%(name)s %(year)d 年度的居民医保费已由医保钱包缴纳（%(amount)s 元）。")
            % {"name": beneficiary.name, "year": year, "amount": paid.amount},
            field="year",
        )
    payment = _wallet_pay(
        wallet=wallet,
        to_account=region_account(region=region),
        purpose=Purpose.RESIDENT_PREMIUM,
        amount_fen=amount_fen,
        payment_fields={"beneficiary": beneficiary, "region": region, "year": year},
        idempotency_key=key,
        actor=payer,
    )
    resident_premium_paid.send(
        sender=WalletPayment,
        person=beneficiary,
        region=region,
        year=year,
        amount_fen=payment.amount_fen,
        paid_at=payment.created_at,
    )
    return payment


def _medical_settle(
    *,
    institution: DesignatedInstitution,
    code: PaymentCode,
    bill_reference: str,
    amount_fen: int,
    key: str,
    actor_label: str,
) -> WalletPayment | str:
    """The payment, or the refusal reason to keep for the person. The code row is locked."""
    if code.institution_id != institution.pk:
        return Refusal.OTHER_INSTITUTION
    if code.used_at is not None:
        return Refusal.USED
    if code.expires_at <= timezone.now():
        return Refusal.EXPIRED
    if amount_fen > code.max_amount_fen:
        return Refusal.OVER_CEILING
    wallet = Wallet.objects.select_related("account").filter(person_id=code.person_id).first()
    if wallet is None or wallet.status != Wallet.Status.OPEN:
        return Refusal.WALLET_CLOSED
    if wallet.usage_region_id != institution.region_id:
        return Refusal.OTHER_REGION
    if selectors.suspended_in(person=code.person, region_id=wallet.insured_region_id):
        return Refusal.SUSPENDED
    try:
        payment = _wallet_pay(
            wallet=wallet,
            to_account=external_account(code=f"INSTITUTION:{institution.code}"[:40]),
            purpose=Purpose.MEDICAL,
            amount_fen=amount_fen,
            payment_fields={
                "beneficiary": code.person,
                "region": institution.region,
                "institution_code": institution.code,
                "institution_name": institution.name,
                "bill_reference": bill_reference,
                "payment_code": code,
            },
            idempotency_key=key,
            actor=None,
            actor_label=actor_label,
            reveal_balance=False,
        )
    except InsufficientBalance:
        return Refusal.INSUFFICIENT
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
    return payment


def wallet_medical_pay(
    *,
    institution: DesignatedInstitution,
    payment_code: str,
    bill_reference: str,
    amount,
    actor_label: str = "",
) -> WalletPayment:
    """A designated hospital or pharmacy settles the self-paid part of a bill from the wallet.

    The person consents with a payment code bound to this institution and a ceiling; the
    wallet's usage region (使用地) must be the institution's. The same bill with the same code
    answers the same payment; the same bill with another amount or code is a conflict. Every
    other refusal is `PaymentNotAuthorised`, one answer whatever the reason (a missing,
    unknown, expired, used or other institution's code, over its ceiling, a closed wallet,
    another usage region, the person suspended where the wallet is insured, too little money); the reason is kept on the code for the person,
    so it commits before the refusal is raised.
    """
    amount_fen = _amount_fen(amount)
    digits = payment_code_normalise(payment_code)
    if not digits:
        raise PaymentNotAuthorised()
    key = f"medical:{institution.code}:{bill_reference}"[:120]
    with transaction.atomic():
        code = (
            PaymentCode.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(digest=payment_code_digest(digits))
            .first()
        )
        if code is None:
            raise PaymentNotAuthorised()
        existing = WalletPayment.objects.filter(idempotency_key=key).first()
        if existing is not None and existing.payment_code_id == code.pk:
            return _same_payment_or_conflict(
                existing, amount_fen=amount_fen, beneficiary_id=code.person_id
            )
        if existing is not None:  # the institution's own bill, paid with another code
            raise Refused(_("该结算单号已用于另一笔支付。"), field="bill_reference")
        outcome = _medical_settle(
            institution=institution,
            code=code,
            bill_reference=bill_reference,
            amount_fen=amount_fen,
            key=key,
            actor_label=actor_label,
        )
        if isinstance(outcome, WalletPayment):
            return outcome
        code.refusal, code.refused_amount_fen = outcome, amount_fen
        code.refused_at = timezone.now()
        code.save(update_fields=["refusal", "refused_amount_fen", "refused_at"])
        event_record(
            action="payment_refused", obj=code, actor_label=actor_label, detail=str(outcome)
        )
    raise PaymentNotAuthorised()
