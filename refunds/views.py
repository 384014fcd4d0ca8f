"""Employer portal pages of refunds: batches, per-employee and per-month details, the CSV
export and the pending-transfer account. Views hand templates plain values."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.confirmation import confirm_page, needs_confirmation
from accounts.decorators import employer_required
from accounts.errors import BusinessRuleViolation, NotFound
from accounts.identity import mask_national_id

from . import selectors
from .forms import ClearanceForm
from .models import RefundBatch, RefundItem
from .services import clearances

yuan = selectors.yuan


def _batch_row(batch: RefundBatch) -> dict:
    return {
        "pk": batch.pk,
        "reference": batch.reference,
        "periods": ", ".join(batch.periods),
        "status": batch.status,
        "status_display": batch.get_status_display(),
        "item_count": batch.item_count,
        "person_count": batch.person_count,
        "excluded_count": batch.excluded_count,
        "employer_refund": yuan(batch.employer_refund_fen),
        "individual_refund": yuan(batch.individual_refund_fen),
        "refund": yuan(batch.refund_fen),
        "received_at": batch.received_at,
        "decided_at": batch.decided_at,
        "reason": batch.reason,
    }


def _amounts(row: dict) -> dict:
    amounts = {name.removesuffix("_fen"): yuan(row[name]) for name in selectors.AMOUNT_FIELDS}
    amounts["refund"] = yuan(row["employer_refund_fen"] + row["individual_refund_fen"])
    return amounts


def _batch_or_404(employer, pk: int) -> RefundBatch:
    try:
        return selectors.batch_for_employer(employer=employer, batch_id=pk)
    except NotFound:
        raise Http404 from None


@employer_required
def batches(request, employer):
    """The employer's refund batches with status and totals, and the pending balance."""
    page = Paginator(selectors.batches_for_employer(employer=employer), 20).get_page(
        request.GET.get("page")
    )
    account = selectors.pending_account(employer=employer)
    context = {
        "employer": employer,
        "page": page,
        "batches": [_batch_row(batch) for batch in page],
        "pending_balance": yuan(account.balance_fen if account else 0),
    }
    return render(request, "refunds/batches.html", context)


@employer_required
def batch_detail(request, employer, pk: int):
    """One batch: totals, exclusions, then per employee (paginated) the sums and each month."""
    batch = _batch_or_404(employer, pk)
    page = Paginator(selectors.employee_totals(batch=batch), 20).get_page(request.GET.get("page"))
    employees = list(page)
    months: dict[int, list[dict]] = {}
    labels = dict(RefundItem.Exclusion.choices)
    for item in selectors.months_of(batch=batch, person_ids=[e["person_id"] for e in employees]):
        months.setdefault(item["person_id"], []).append(
            {
                "period": item["period"],
                "paid_base": yuan(item["paid_base_fen"]),
                "applied_base": yuan(item["applied_base_fen"]),
                "exclusion": labels.get(item["exclusion"], ""),
                **_amounts(item),
            }
        )
    context = {
        "employer": employer,
        "batch": _batch_row(batch),
        "totals": _amounts({name: getattr(batch, name) for name in selectors.AMOUNT_FIELDS}),
        "exclusions": selectors.batch_exclusions(batch=batch),
        "page": page,
        "employees": [
            {
                "masked_national_id": mask_national_id(e["person__national_id"]),
                "name": e["person__name"],
                "months_count": e["months"],
                "excluded": e["excluded"],
                "months": months.get(e["person_id"], []),
                **_amounts(e),
            }
            for e in employees
        ],
    }
    return render(request, "refunds/batch.html", context)


@employer_required
def batch_export(request, employer, pk: int):
    """Every item of the batch as CSV (UTF-8 with BOM, amounts in yuan)."""
    batch = _batch_or_404(employer, pk)
    response = HttpResponse(
        selectors.items_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="refund-{batch.pk}.csv"'
    return response


def _clearance_row(clearance) -> dict:
    return {
        "amount": yuan(clearance.amount_fen),
        "bank_name": clearance.bank_name,
        "bank_account": clearance.masked_bank_account,
        "status": clearance.status,
        "status_display": clearance.get_status_display(),
        "requested_at": clearance.requested_at,
        "decided_at": clearance.decided_at,
        "reason": clearance.reason,
    }


@employer_required
def pending_account(request, employer):
    """The pending-transfer account (待转账户): balance, what may be cleared, the clearance
    requests and a form for a new one, and every posting, newest first."""
    account = selectors.pending_account(employer=employer)
    balance_fen = account.balance_fen if account else 0
    available_fen = clearances.clearance_available_fen(employer=employer, balance_fen=balance_fen)
    page = Paginator(selectors.pending_postings(account=account), 20).get_page(
        request.GET.get("page")
    )
    context = {
        "employer": employer,
        "balance": yuan(balance_fen),
        "available": yuan(available_fen),
        "may_clear": available_fen > 0,
        "clearances": [
            _clearance_row(c) for c in selectors.clearances_for_employer(employer=employer)[:20]
        ],
        "form": ClearanceForm(),
        "page": page,
        "postings": [
            {
                "created_at": posting.created_at,
                "kind": posting.kind,
                "reference": posting.reference,
                "amount": (
                    yuan(posting.amount_fen)
                    if posting.to_account_id == account.pk
                    else f"-{yuan(posting.amount_fen)}"
                ),
            }
            for posting in page
        ],
    }
    return render(request, "refunds/pending_account.html", context)


@employer_required
@require_POST
def clearance_request(request, employer):
    """清退: ask to pay pending money to the employer's bank account; staff decide."""
    form = ClearanceForm(request.POST)
    if form.is_valid() and needs_confirmation(request, elder_only=True):
        data = form.cleaned_data
        return confirm_page(
            request,
            title=_("提交清退申请"),
            question=_("请核对金额和收款账户，确认后提交经办机构审核。"),
            facts=[
                (form["amount"].label, f"{data['amount']:,.2f}"),
                (form["bank_name"].label, data["bank_name"]),
                (form["bank_account"].label, data["bank_account"]),
            ],
            action=reverse("refunds:clearance-request"),
            button=_("确认提交"),
            back=reverse("refunds:pending-account"),
            keep={name: request.POST.get(name, "") for name in form.fields},
        )
    if form.is_valid():
        try:
            clearances.clearance_request(employer=employer, by=request.user, **form.cleaned_data)
        except BusinessRuleViolation as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("清退申请已提交，等待经办机构审核。"))
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form[field].label}：{errors[0]}")
    return redirect("refunds:pending-account")
