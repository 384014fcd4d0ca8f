"""Paying from the wallet: a family member's resident premium, or the self-paid part of a bill
at a designated hospital or pharmacy. Wallet money is never paid out as cash: these two
purposes are the only ways out of a wallet account.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation
from accounts.models import InsuredPerson, LedgerAccount, Region, fen_to_yuan
from accounts.services.ledger import (
    InsufficientBalance,
    external_account,
    posting_create,
    region_account,
    yuan_to_fen,
)

from .. import selectors
from ..models import Wallet, WalletPayment
from .common import Invalid, NotFound, Refused, event_record

Purpose = WalletPayment.Purpose
KIND_BY_PURPOSE = {
    Purpose.RESIDENT_PREMIUM: "WALLET_PREMIUM",
    Purpose.MEDICAL: "WALLET_MEDICAL",
}


def _amount_fen(amount) -> int:
    amount_fen = yuan_to_fen(str(amount))
    if amount_fen <= 0:
        raise BusinessRuleViolation(_("支付金额必须大于0。"), field="amount", status_code=400)
    return amount_fen


def _open_wallet(person: InsuredPerson, *, field: str | None = None) -> Wallet:
    wallet = Wallet.objects.select_related("usage_region", "account").filter(person=person).first()
    if wallet is None or wallet.status != Wallet.Status.OPEN:
        raise Invalid(_("医保钱包未开通，不能支付。"), field=field)
    return wallet


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
) -> WalletPayment:
    """The only way money leaves a wallet: one payment row and one posting, in one transaction."""
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
        after=str(payment.amount),
        detail=payment_fields.get("bill_reference") or str(payment_fields.get("year") or ""),
    )
    return payment


@transaction.atomic
def wallet_premium_pay(
    *,
    payer: InsuredPerson,
    for_national_id: str,
    year: int,
    amount,
    idempotency_key: str,
) -> WalletPayment:
    """Pay one's own or a confirmed family member's resident-insurance premium (代缴)."""
    if not idempotency_key or len(idempotency_key) > 80:
        raise BusinessRuleViolation(
            _("请求头 Idempotency-Key 必填，长度不超过80个字符。"),
            field="Idempotency-Key",
            status_code=400,
        )
    amount_fen = _amount_fen(amount)
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
    return _wallet_pay(
        wallet=wallet,
        to_account=region_account(region=region),
        purpose=Purpose.RESIDENT_PREMIUM,
        amount_fen=amount_fen,
        payment_fields={"beneficiary": beneficiary, "region": region, "year": year},
        idempotency_key=key,
        actor=payer,
    )


@transaction.atomic
def wallet_medical_pay(
    *,
    institution_label: str,
    national_id: str,
    institution_code: str,
    institution_name: str,
    institution_region: Region,
    bill_reference: str,
    amount,
) -> WalletPayment:
    """A designated hospital or pharmacy settles the self-paid part of a bill from the wallet.

    Only in the wallet's usage region (使用地). The bill reference makes it idempotent.
    """
    amount_fen = _amount_fen(amount)
    person = InsuredPerson.objects.filter(national_id=national_id.strip().upper()).first()
    if person is None:
        raise NotFound(_("未找到该参保人。"), field="national_id")
    wallet = _open_wallet(person, field="national_id")
    if wallet.usage_region_id != institution_region.code:
        raise Invalid(
            _("医保钱包的使用地是%(usage)s，不能在%(region)s的定点医药机构使用。")
            % {"usage": wallet.usage_region.name, "region": institution_region.name},
            field="institution_region",
        )
    return _wallet_pay(
        wallet=wallet,
        to_account=external_account(code=f"INSTITUTION:{institution_code}"[:40]),
        purpose=Purpose.MEDICAL,
        amount_fen=amount_fen,
        payment_fields={
            "beneficiary": person,
            "region": institution_region,
            "institution_code": institution_code,
            "institution_name": institution_name,
            "bill_reference": bill_reference,
        },
        idempotency_key=f"medical:{institution_code}:{bill_reference}"[:120],
        actor=None,
        actor_label=institution_label,
    )
