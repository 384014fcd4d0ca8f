"""The rules of a transfer, each refusal saying which rule and what is left.

Checks only read: none of them writes, so a refusal leaves the database as it was. Whatever a
refusal calls for (ending a binding that outlived an enrollment change) is the caller's step.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import BusinessRuleViolation, Forbidden, Invalid, Refused
from accounts.models import InsuredPerson, PersonalAccount, Region, RegionPolicy, fen_to_yuan
from accounts.services.ledger import yuan_to_fen

from ...models import FamilyBinding, Wallet, WalletTransfer
from ...selectors import person_is_minor
from .. import rows
from ..common import suspended_message

Status = WalletTransfer.Status


class BindingOutlived(Invalid):
    """The binding's sides are no longer insured where they were bound: the caller ends it."""


def _hm(value: dt.time) -> str:
    return value.strftime("%H:%M")


# --- the rules: each refusal says which rule and what is left --------------------------------


def check_amount(*, amount, policy: RegionPolicy) -> int:
    """Amount > 0 with at most two decimals, at most the region's per-transfer limit."""
    if isinstance(amount, float):
        amount = str(amount)
    amount_fen = yuan_to_fen(amount)
    if amount_fen <= 0:
        raise BusinessRuleViolation(_("转账金额必须大于0。"), field="amount", status_code=400)
    limit = policy.wallet_max_transfer_amount
    if amount_fen > yuan_to_fen(limit):
        raise Invalid(
            _("单笔转账不能超过 %(limit)s 元（本次 %(amount)s 元）。")
            % {"limit": limit, "amount": fen_to_yuan(amount_fen)},
            field="amount",
            rule="amount_limit",
        )
    return amount_fen


def quiet_hours(*, policy: RegionPolicy, at: dt.datetime) -> bool:
    start, end = policy.wallet_quiet_start, policy.wallet_quiet_end
    if start == end:
        return False
    now = timezone.localtime(at).time()
    return start <= now < end if start < end else (now >= start or now < end)


def check_hours(*, policy: RegionPolicy, at: dt.datetime) -> None:
    if quiet_hours(policy=policy, at=at):
        start, end = policy.wallet_quiet_start, policy.wallet_quiet_end
        raise Refused(
            _("每日 %(start)s 至%(next)s %(end)s 暂停转账，请在 %(end)s 以后再试（现在 %(now)s）。")
            % {
                "start": _hm(start),
                "end": _hm(end),
                "next": _("次日") if start > end else "",
                "now": timezone.localtime(at).strftime("%H:%M"),
            },
            rule="quiet_hours",
        )


def check_daily_count(*, used: int, policy: RegionPolicy) -> None:
    limit = policy.wallet_max_transfers_per_day
    if used >= limit:
        raise Refused(
            _("每日最多转账 %(limit)d 次，今日已转 %(used)d 次，剩余 0 次，请明天再试。")
            % {"limit": limit, "used": used},
            rule="daily_limit",
        )


def check_daily_amount(*, used_fen: int, amount_fen: int, policy: RegionPolicy) -> None:
    """What the sender moved out today plus this transfer, at most the region's daily total."""
    limit_fen = yuan_to_fen(policy.wallet_max_daily_amount)
    if used_fen + amount_fen > limit_fen:
        raise Refused(
            _(
                "每日转账累计不超过 %(limit)s 元，今日已转出 %(used)s 元，还可转 %(left)s 元，"
                "本次 %(amount)s 元超出，请减少金额或明天再试。"
            )
            % {
                "limit": policy.wallet_max_daily_amount,
                "used": fen_to_yuan(used_fen),
                "left": fen_to_yuan(max(limit_fen - used_fen, 0)),
                "amount": fen_to_yuan(amount_fen),
            },
            field="amount",
            rule="daily_amount",
        )


def check_not_suspended(*, suspended: bool, region_name: str) -> None:
    """No sending from a personal account whose enrollment there is suspended (暂停): the
    record may be someone else's until it is verified."""
    if suspended:
        raise Refused(suspended_message(region_name=region_name), rule="enrollment_suspended")


def check_phone_not_just_changed(
    *, changed_at: dt.datetime | None, policy: RegionPolicy, now: dt.datetime
) -> None:
    """No transfer out for the policy's hours after a phone change (codes may reach a thief)."""
    if changed_at is None:
        return
    until = changed_at + dt.timedelta(hours=policy.wallet_phone_change_block_hours)
    if now < until:
        raise Refused(
            _(
                "您的手机号于 %(changed)s 变更，为保障资金安全，%(hours)d 小时内不能转出，"
                "%(until)s 以后可以转账。"
            )
            % {
                "changed": timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M"),
                "hours": policy.wallet_phone_change_block_hours,
                "until": timezone.localtime(until).strftime("%Y-%m-%d %H:%M"),
            },
            rule="phone_changed",
        )


def code_failures_used_up(*, policy: RegionPolicy) -> Refused:
    return Refused(
        _(
            "今日验证码已输错 %(limit)d 次（每人每日上限），今日不能再确认或发起转账，"
            "请明天再试。如非本人操作，请尽快修改密码。"
        )
        % {"limit": policy.wallet_code_failures_per_day},
        field="code",
        rule="code_attempts_daily",
    )


def check_code_failures_today(*, failures: int, policy: RegionPolicy) -> None:
    if failures >= policy.wallet_code_failures_per_day:
        raise code_failures_used_up(policy=policy)


def codes_used_up(*, policy: RegionPolicy) -> Refused:
    return Refused(
        _("每人每日最多获取 %(limit)d 次转账验证码，今日已用完，请明天再试。")
        % {"limit": policy.wallet_codes_per_day},
        rule="daily_codes",
    )


def check_no_transfer_awaiting_acceptance(*, sender_id: int) -> None:
    waiting = (
        WalletTransfer.objects.filter(sender_id=sender_id, status=Status.SENT)
        .only("pk", "amount_fen", "accept_deadline")
        .first()
    )
    if waiting is not None:
        raise Refused(
            _(
                "您有一笔转账（编号 %(id)s，%(amount)s 元）正等待对方接收，接收或退回后才能发起新的"
                "转账；未接收的将于 %(deadline)s 退回。"
            )
            % {
                "id": waiting.pk,
                "amount": waiting.amount,
                "deadline": timezone.localtime(waiting.accept_deadline).strftime("%Y-%m-%d %H:%M"),
            },
            rule="awaiting_acceptance",
        )


def check_wallets(*, sender_wallet: Wallet | None, recipient_wallet: Wallet | None) -> None:
    if sender_wallet is None or sender_wallet.status != Wallet.Status.OPEN:
        raise Invalid(_("您尚未开通医保钱包，请先开通。"), rule="wallet_not_open")
    if recipient_wallet is None or recipient_wallet.status != Wallet.Status.OPEN:
        raise Invalid(
            _("对方尚未开通医保钱包，请对方开通或为其代开通后再转账。"),
            field="to_national_id",
            rule="wallet_not_open",
        )
    for wallet, whose in ((sender_wallet, _("您的")), (recipient_wallet, _("对方的"))):
        if not wallet.insured_region.wallet_enabled:
            raise Invalid(
                _("%(whose)s参保地%(region)s尚未开通医保钱包转账功能。")
                % {"whose": whose, "region": wallet.insured_region.name},
                field=None if wallet is sender_wallet else "to_national_id",
                rule="region_disabled",
            )


def check_binding(*, binding: FamilyBinding | None) -> None:
    if binding is None or binding.status != FamilyBinding.Status.CONFIRMED:
        raise Invalid(
            _("只能向已确认绑定的近亲属（家庭成员）转账。"),
            field="to_national_id",
            rule="not_family",
        )


def check_source(*, source: PersonalAccount | None) -> None:
    if source is None:
        raise Invalid(_("您没有职工医保个人账户，不能转出。"), rule="no_personal_account")
    if source.status != PersonalAccount.Status.ACTIVE:
        raise Invalid(
            _("个人账户处于“%(status)s”状态，不能转出。") % {"status": source.get_status_display()},
            rule="account_not_active",
        )


def check_balance(*, available_fen: int, amount_fen: int) -> None:
    if available_fen < amount_fen:
        raise Refused(
            _("个人账户可用余额 %(available)s 元，不足本次转账的 %(amount)s 元。")
            % {"available": fen_to_yuan(available_fen), "amount": fen_to_yuan(amount_fen)},
            field="amount",
            rule="balance",
        )


def _wallet(status, *, enabled, region_name) -> Wallet | None:
    if status is None:
        return None
    return Wallet(status=status, insured_region=Region(name=region_name, wallet_enabled=enabled))


def new_transfer_check(*, sender: InsuredPerson, facts: dict, amount, now) -> tuple:
    """Every rule for a new transfer, on the facts `rows.NEW_TRANSFER` read; the binding, the
    sender's policy and the amount in fen. The same limits run again under lock at
    confirmation. A binding whose sides moved or stopped is refused with `BindingOutlived`
    (rule `not_family`), left as it is."""
    sender_age = InsuredPerson(
        birth_date=facts["sender_birth_date"], national_id=facts["sender_national_id"]
    )
    if person_is_minor(person=sender_age):
        raise Forbidden(_("未满18周岁的参保人不能自行转账。"), rule="minor")
    check_wallets(
        sender_wallet=_wallet(
            facts["sender_wallet"],
            enabled=facts["sender_enabled"],
            region_name=facts["sender_region"],
        ),
        recipient_wallet=_wallet(
            facts["recipient_wallet"],
            enabled=facts["recipient_enabled"],
            region_name=facts["recipient_region"],
        ),
    )
    check_not_suspended(
        suspended=bool(facts["sender_suspended"]), region_name=facts["sender_region"]
    )
    policy = rows.policy(facts, facts["sender_region_id"])
    amount_fen = check_amount(amount=amount, policy=policy)
    binding = None
    if facts["binding_id"] is not None:
        binding = FamilyBinding(
            pk=facts["binding_id"],
            status=facts["binding_status"],
            requester_id=facts["requester_id"],
            member_id=facts["member_id"],
            requester_region_id=facts["requester_region_id"],
            member_region_id=facts["member_region_id"],
        )
    check_binding(binding=binding)
    insured_in = (facts["requester_insured_in"], facts["member_insured_in"])
    if insured_in != (binding.requester_region_id, binding.member_region_id):
        raise BindingOutlived(
            _("对方或您的参保关系已终止或转移到其他统筹区，绑定已自动解除，不能转账。"),
            field="to_national_id",
            rule="not_family",
        )
    check_phone_not_just_changed(
        changed_at=rows.aware(facts["sender_phone_changed_at"]), policy=policy, now=now
    )
    check_hours(policy=policy, at=now)
    if facts["waiting_id"] is not None:
        check_no_transfer_awaiting_acceptance(sender_id=sender.pk)
    check_daily_count(used=facts["used_today"] or 0, policy=policy)
    check_daily_amount(used_fen=facts["amount_today"] or 0, amount_fen=amount_fen, policy=policy)
    check_code_failures_today(failures=facts["failures_today"] or 0, policy=policy)
    if (facts["codes_today"] or 0) >= policy.wallet_codes_per_day:
        raise codes_used_up(policy=policy)
    source = None
    if facts["source_id"] is not None:
        source = PersonalAccount(pk=facts["source_id"], status=facts["source_status"])
    check_source(source=source)
    check_balance(available_fen=facts["current_fen"] + facts["carried_fen"], amount_fen=amount_fen)
    return binding, policy, amount_fen
