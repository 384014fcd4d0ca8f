"""Portal pages of the wallet: thin views over the same services and selectors as the API."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.confirmation import confirm_page, needs_confirmation
from accounts.decorators import person_required
from accounts.display import local_minute
from accounts.errors import BusinessRuleViolation, NotFound
from accounts.identity import mask_national_id
from accounts.messaging import mask_phone
from accounts.models import InsuredPerson
from accounts.statements import statement_page
from accounts.templatetags.money import yuan

from . import selectors
from .forms import (
    CodeForm,
    FamilyBindingForm,
    PaymentCodeForm,
    TransferForm,
    UsageRegionForm,
    WalletOpenForm,
)
from .models import FamilyBinding, Wallet, WalletTransfer, relation_seen
from .services import family, payment_codes, transfers, wallets
from .services.common import suspended_message
from .templatetags.wallet_tags import badge


def _refused(request, exc: BusinessRuleViolation, *, to: str, **kwargs):
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    if exc.status_code == 403:
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)
    return redirect(to, **kwargs)


def _post_action(request, action, *, to: str, done: str):
    """A button that calls one service: its refusal or its success message, then back."""
    try:
        action()
    except BusinessRuleViolation as exc:
        return _refused(request, exc, to=to)
    messages.success(request, done)
    return redirect(to)


def _limits(person: InsuredPerson, wallet) -> dict | None:
    """Today's allowance (a selector) and whether it is the quiet time now."""
    allowance = selectors.transfer_allowance(person=person, wallet=wallet)
    if allowance is not None:
        allowance["quiet"] = transfers.quiet_hours(policy=allowance["policy"], at=timezone.now())
    return allowance


def _suspended(person: InsuredPerson, wallet) -> str:
    """Why nothing can be sent, said before the person tries: suspended where insured."""
    if wallet is None or not selectors.suspended_in(
        person=person, region_id=wallet.insured_region_id, account_only=True
    ):
        return ""
    return suspended_message(region_name=wallet.insured_region.name)


def _wallet_facts(row: dict, person: InsuredPerson) -> dict:
    """The wallet page's facts and transfer rules, formatted once for the template."""
    policy = row["policy"]
    return {
        "balance": yuan(row["balance_fen"]),
        "status": row["status"],
        "status_label": Wallet.Status(row["status"]).label,
        "insured_region": row["insured_region_name"],
        "usage_region": row["usage_region_name"],
        "usage_region_id": row["usage_region_id"],
        "phone": mask_phone(row["phone"]) or "—",
        "opened_at": local_minute(row["opened_at"]),
        "opened_by": row["opened_by_name"] if row["opened_by_id"] != person.pk else "",
        "rules": {
            "max": policy.wallet_max_transfers_per_day,
            "left": max(policy.wallet_max_transfers_per_day - row["used"], 0),
            "amount": policy.wallet_max_transfer_amount,
            "start": policy.wallet_quiet_start.strftime("%H:%M"),
            "end": policy.wallet_quiet_end.strftime("%H:%M"),
        },
    }


def _incoming(pk: int, sender: str, amount_fen: int, deadline) -> dict:
    """A transfer waiting for this person, as the wallet and transfer pages list it."""
    return {
        "sender": sender,
        "amount": yuan(amount_fen),
        "deadline": local_minute(deadline),
        "accept_url": reverse("wallet:transfer_accept", args=[pk]),
    }


def _options(choices, *, selected: str) -> str:
    """A select box's options from (value, label) pairs, built in one pass rather than in a
    template loop."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, " selected" if value == selected else "", label) for value, label in choices),
    )


@person_required
@require_http_methods(["GET", "POST"])
def wallet_home(request, person: InsuredPerson):
    """The wallet: open it, or see balance, usage region and its history, incoming transfers."""
    row = selectors.wallet_page(person=person, day=timezone.localdate())
    if row is None:
        return _wallet_open(request, person)
    context = {
        "wallet": _wallet_facts(row, person),
        "incoming": [
            _incoming(*transfer) for transfer in selectors.incoming_transfer_rows(person=person)
        ],
        "region_options": _options(
            selectors.wallet_region_choices(), selected=row["usage_region_id"]
        ),
        "usage_history": [
            {
                "at": local_minute(changed_at, "%Y-%m-%d %H:%M:%S"),
                "from": from_region or _("（开通）"),
                "to": to_region,
                "by": changed_by,
            }
            for changed_at, from_region, to_region, changed_by in selectors.wallet_usage_rows(
                wallet_id=row["id"]
            )
        ],
    }
    return render(request, "wallet/home.html", context)


def _wallet_open(request, person: InsuredPerson):
    """No wallet yet: where the person is insured, and the form that opens one."""
    open_form = WalletOpenForm(request.POST or None)
    if request.method == "POST" and open_form.is_valid():
        try:
            wallets.wallet_open(
                by=person,
                usage_region=open_form.cleaned_data["usage_region"],
                consent=open_form.cleaned_data["consent"],
            )
        except BusinessRuleViolation as exc:
            open_form.add_error(None, exc.message)
        else:
            messages.success(request, _("医保钱包已开通。"))
            return redirect("wallet:home")
    context = {
        "person": person,
        "open_form": open_form,
        "insured_region": selectors.insured_region_row(person=person),
    }
    return render(request, "wallet/home.html", context)


@person_required
@require_POST
def usage_region_change(request, person: InsuredPerson):
    form = UsageRegionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择新的使用地。"))
        return redirect("wallet:home")
    try:
        wallets.wallet_usage_region_change(
            by=person, usage_region=form.cleaned_data["usage_region"]
        )
    except BusinessRuleViolation as exc:
        return _refused(request, exc, to="wallet:home")
    messages.success(request, _("使用地已变更。"))
    return redirect("wallet:home")


def _family_row(row: dict) -> dict:
    """One family member's line, formatted once for the template: what the binding waits
    for, and the buttons this side has (confirm a request made to them, withdraw, decline or
    end a live binding, open the wallet of a bound member who has none)."""
    status, pk, outgoing = row["status"], row["id"], row["outgoing"]
    pending, waiting_staff = status == "PENDING", row["review_status"] == "WAITING"
    notes = []
    if pending and waiting_staff:
        notes.append(_("等待经办机构审核监护关系证明材料"))
    elif pending:
        notes.append(_("等待对方确认") if outgoing else _("等待您确认"))
    if row["review_status"] == "REJECTED":
        notes.append(_("监护关系审核未通过"))
    if row["guardian"]:
        notes.append(_("监护关系已确认"))
    if row["end_reason"]:
        notes.append(row["end_reason"])
    end_label = (_("撤回") if outgoing else _("拒绝")) if pending else _("解除绑定")
    wallet_status = row["wallet_status"]
    can_open = status == "CONFIRMED" and wallet_status is None
    can_confirm = pending and not outgoing and not waiting_staff
    return {
        "id": pk,
        "name": row["name"],
        "relation": relation_seen(row["relation"], by_requester=outgoing),
        "national_id": mask_national_id(row["national_id"]),
        "badge": badge(status),
        "status_label": FamilyBinding.Status(status).label,
        "notes": notes,
        "wallet": Wallet.Status(wallet_status).label if wallet_status else _("未开通"),
        "wallet_region": row["wallet_region"],
        "open_url": reverse("wallet:family_open_wallet", args=[pk]) if can_open else "",
        "confirm_url": reverse("wallet:family_confirm", args=[pk]) if can_confirm else "",
        "end_url": reverse("wallet:family_end", args=[pk]) if status != "ENDED" else "",
        "end_label": end_label,
    }


@person_required
@require_http_methods(["GET", "POST"])
def family_page(request, person: InsuredPerson):
    """Family members on both sides, requests to confirm, and a form to bind a relative."""
    form = FamilyBindingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            binding = family.family_binding_request(requester=person, **form.cleaned_data)
        except BusinessRuleViolation as exc:
            field = exc.field if exc.field in form.fields else "national_id"
            form.add_error(field if exc.field else None, exc.message)
        else:
            if hasattr(binding, "guardian_review"):
                messages.success(request, _("监护关系绑定申请已提交，等待经办机构审核证明材料。"))
            else:
                messages.success(request, _("绑定申请已提交，等待对方确认。"))
            return redirect("wallet:family")
    rows = [_family_row(row) for row in selectors.family_rows(person=person)]
    regions = [(code, name) for code, _province, name in selectors.wallet_region_rows()]
    for row in rows:
        if row["open_url"]:
            row["region_options"] = _options(regions, selected=row["wallet_region"])
    context = {
        "rows": rows,
        "to_confirm": [
            {
                "requester": binding.requester.name,
                "requester_id": binding.requester.masked_national_id,
                "member": binding.member.name,
                "relation": binding.get_relation_display(),
                "created": local_minute(binding.created_at),
                "confirm_url": reverse("wallet:family_confirm", args=[binding.pk]),
                "end_url": reverse("wallet:family_end", args=[binding.pk]),
            }
            for binding in selectors.family_bindings_to_confirm(person=person)
        ],
        "form": form,
    }
    return render(request, "wallet/family.html", context)


@person_required
@require_POST
def family_confirm(request, person: InsuredPerson, pk: int):
    return _post_action(
        request,
        lambda: family.family_binding_confirm(binding_id=pk, by=person),
        to="wallet:family",
        done=_("已确认绑定。"),
    )


@person_required
@require_POST
def family_end(request, person: InsuredPerson, pk: int):
    if needs_confirmation(request):
        binding = selectors.family_binding_visible(person=person, binding_id=pk)
        if binding is None or person.pk not in (binding.requester_id, binding.member_id):
            raise Http404
        if binding.status != binding.Status.PENDING:
            title, button = _("解除绑定"), _("确认解除绑定")
            question = _("解除后，双方不能再互相转账或代开通钱包；如需恢复，要重新申请绑定。")
        elif binding.requester_id == person.pk:
            title, button = _("撤回绑定申请"), _("确认撤回")
            question = _("撤回后对方将无法确认这条申请。")
        else:
            title, button = _("拒绝绑定申请"), _("确认拒绝")
            question = _("拒绝后对方需要重新申请才能绑定。")
        return confirm_page(
            request,
            title=title,
            question=question,
            facts=[
                (_("家庭成员"), binding.other(person.pk).name),
                (_("关系"), binding.relation_seen_by(person.pk)),
            ],
            action=reverse("wallet:family_end", args=[pk]),
            button=button,
            back=reverse("wallet:family"),
        )
    return _post_action(
        request,
        lambda: family.family_binding_end(binding_id=pk, by=person),
        to="wallet:family",
        done=_("已解除绑定。"),
    )


@person_required
@require_POST
def family_open_wallet(request, person: InsuredPerson, pk: int):
    """代开通: open a confirmed family member's wallet."""
    binding = selectors.family_binding_visible(person=person, binding_id=pk)
    if binding is None or person.pk not in (binding.requester_id, binding.member_id):
        raise Http404
    form = UsageRegionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择使用地。"))
        return redirect("wallet:family")
    try:
        wallets.wallet_open(
            by=person,
            for_person=binding.other(person.pk),
            usage_region=form.cleaned_data["usage_region"],
        )
    except BusinessRuleViolation as exc:
        return _refused(request, exc, to="wallet:family")
    messages.success(
        request, _("已为%(name)s开通医保钱包。") % {"name": binding.other(person.pk).name}
    )
    return redirect("wallet:family")


@person_required
@require_http_methods(["GET", "POST"])
def transfer_new(request, person: InsuredPerson):
    """Step 1: recipient and amount; a one-time code goes to the sender."""
    wallet = selectors.wallet_for_person(person=person)
    recipients = [
        (binding.relation_seen_by(person.pk), other)
        for binding, other in selectors.transfer_recipients(person=person)
    ]
    data = request.POST or None
    form = TransferForm(data, recipients=recipients, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            transfer = transfers.wallet_transfer_create(
                sender=person,
                to_national_id=form.cleaned_data["to_national_id"],
                amount=form.cleaned_data["amount"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except BusinessRuleViolation as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if transfer.status == WalletTransfer.Status.AWAITING_CODE:
                messages.info(request, _("验证码已发送到您的手机，请输入验证码完成转账。"))
                return redirect("wallet:transfer_code", pk=transfer.pk)
            return redirect("wallet:transfers")
    if request.method == "POST":
        # A new key for the corrected form; the same key only for an exact resubmission.
        form.data = form.data.copy()
        form.data["idempotency_key"] = uuid.uuid4().hex
    context = {
        "wallet": wallet,
        "form": form,
        "has_recipients": bool(recipients),
        "limits": _limits(person, wallet),
        "suspended": _suspended(person, wallet),
    }
    return render(request, "wallet/transfer_new.html", context)


@person_required
@require_http_methods(["GET", "POST"])
def transfer_code(request, person: InsuredPerson, pk: int):
    """Step 2: the sender enters the one-time code; the money leaves into holding."""
    transfer = selectors.transfer_visible(person=person, transfer_id=pk)
    if transfer is None or transfer.sender_id != person.pk:
        raise Http404
    if transfer.status != WalletTransfer.Status.AWAITING_CODE:
        return redirect("wallet:transfers")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            transfers.wallet_transfer_confirm(
                transfer_id=pk, sender=person, code=form.cleaned_data["code"]
            )
        except BusinessRuleViolation as exc:
            if exc.status_code == 400:
                form.add_error("code", exc.message)
            else:
                return _refused(request, exc, to="wallet:transfers")
        else:
            messages.success(
                request,
                _("已转出 %(amount)s 元，等待%(name)s接收。")
                % {"amount": transfer.amount, "name": transfer.recipient.name},
            )
            return redirect("wallet:transfers")
    return render(request, "wallet/transfer_code.html", {"transfer": transfer, "form": form})


def _own_transfer(person: InsuredPerson, pk: int, *, side: str) -> WalletTransfer:
    """The transfer this person sent (side="sender_id") or receives, or 404."""
    transfer = selectors.transfer_visible(person=person, transfer_id=pk)
    if transfer is None or getattr(transfer, side) != person.pk:
        raise Http404
    return transfer


@person_required
@require_POST
def transfer_cancel(request, person: InsuredPerson, pk: int):
    if needs_confirmation(request):
        transfer = _own_transfer(person, pk, side="sender_id")
        return confirm_page(
            request,
            title=_("取消本次转账"),
            question=_("取消后这笔转账不会转出，需要时请重新发起。"),
            facts=[
                (_("接收人"), transfer.recipient.name),
                (_("金额（元）"), yuan(transfer.amount_fen)),
            ],
            action=reverse("wallet:transfer_cancel", args=[pk]),
            button=_("确认取消转账"),
            back=reverse("wallet:transfers"),
        )
    return _post_action(
        request,
        lambda: transfers.wallet_transfer_cancel(transfer_id=pk, sender=person),
        to="wallet:transfers",
        done=_("转账已取消。"),
    )


@person_required
@require_POST
def transfer_accept(request, person: InsuredPerson, pk: int):
    if needs_confirmation(request, elder_only=True):
        transfer = _own_transfer(person, pk, side="recipient_id")
        return confirm_page(
            request,
            title=_("接收转账"),
            question=_("接收后，这笔钱存入您的医保钱包。"),
            facts=[
                (_("转出人"), transfer.sender.name),
                (_("金额（元）"), yuan(transfer.amount_fen)),
            ],
            action=reverse("wallet:transfer_accept", args=[pk]),
            button=_("确认接收"),
            back=reverse("wallet:transfers"),
        )
    try:
        transfer = transfers.wallet_transfer_accept(transfer_id=pk, recipient=person)
    except BusinessRuleViolation as exc:
        return _refused(request, exc, to="wallet:transfers")
    messages.success(
        request, _("已接收 %(amount)s 元，已存入您的医保钱包。") % {"amount": transfer.amount}
    )
    return redirect("wallet:transfers")


def _transfer_row(row: dict, person: InsuredPerson) -> dict:
    """One line of the transfer list, formatted once for the template."""
    outgoing = row["sender_id"] == person.pk
    awaiting_code = outgoing and row["status"] == WalletTransfer.Status.AWAITING_CODE
    return {
        "number": row["id"],
        "created": local_minute(row["created_at"]),
        "direction": _("转出") if outgoing else _("转入"),
        "other": row["recipient"] if outgoing else row["sender"],
        "amount": yuan(row["amount_fen"]),
        "badge": badge(row["status"]),
        "status": WalletTransfer.Status(row["status"]).label,
        "finish_reason": row["finish_reason"],
        "code_url": reverse("wallet:transfer_code", args=[row["id"]]) if awaiting_code else "",
    }


@person_required
def transfer_list(request, person: InsuredPerson):
    """Incoming transfers to accept, then every transfer sent or received."""
    rows = selectors.transfer_rows(person=person)
    context = {
        "incoming": [
            _incoming(row["id"], row["sender"], row["amount_fen"], row["accept_deadline"])
            for row in rows
            if row["sender_id"] != person.pk and row["status"] == WalletTransfer.Status.SENT
        ],
        "transfers": [_transfer_row(row, person) for row in rows],
    }
    return render(request, "wallet/transfers.html", context)


@person_required
def history(request, person: InsuredPerson):
    """The wallet's statement: every posting in or out of the wallet (not the personal
    account's), explained as the personal account's are, with the balance after each."""
    wallet = selectors.wallet_for_person(person=person)
    if wallet is None:
        messages.info(request, _("您尚未开通医保钱包。"))
        return redirect("wallet:home")
    statement = statement_page(
        account_ids={wallet.account_id},
        balance_fen=wallet.account.balance_fen,
        viewer_id=person.pk,
        before=request.GET.get("before"),
    )
    return render(request, "wallet/history.html", {"wallet": wallet, "statement": statement})


@person_required
@require_http_methods(["GET", "POST"])
def payment_code(request, person: InsuredPerson):
    """付款码: generate a code for one institution and a ceiling, shown once, large."""
    wallet = selectors.wallet_for_person(person=person)
    if wallet is None or wallet.status != wallet.Status.OPEN:
        messages.info(request, _("您尚未开通医保钱包。"))
        return redirect("wallet:home")
    institutions = selectors.designated_institutions(region=wallet.usage_region)
    form = PaymentCodeForm(request.POST or None, institutions=institutions)
    shown = None
    if request.method == "POST" and form.is_valid():
        try:
            row, code = payment_codes.payment_code_create(
                person=person,
                institution_code=form.cleaned_data["institution"],
                max_amount=form.cleaned_data["max_amount"],
            )
        except BusinessRuleViolation as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            groups = [code[i : i + 4] for i in range(0, len(code), 4)]
            shown = {"row": row, "groups": groups}
    context = {
        "wallet": wallet,
        "form": form,
        "shown": shown,
        "codes": selectors.payment_codes_for_person(person=person),
    }
    return render(request, "wallet/payment_code.html", context)
