"""Person portal pages of 城乡居民医保退费: apply, the applications and each one's progress
(every step, who and when, the due date), and sending materials staff asked for."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import person_required
from accounts.errors import BusinessRuleViolation, NotFound
from accounts.models import InsuredPerson

from . import selectors
from .forms import ResidentRefundForm, ResidentRefundMaterialsForm
from .models import ResidentRefund
from .services import resident

Status = ResidentRefund.Status
_BADGES = {
    Status.WAITING: "badge--suspended",
    Status.MATERIALS_REQUESTED: "badge--suspended",
    Status.APPROVED: "badge--active",
    Status.REJECTED: "badge--stopped",
}


def _row(refund: ResidentRefund) -> dict:
    """Plain values for the templates (the queries ran in the selector)."""
    premium = refund.premium
    return {
        "id": refund.pk,
        "type_display": refund.get_type_display(),
        "status": refund.status,
        "status_display": refund.get_status_display(),
        "badge": _BADGES[refund.status],
        "region_name": premium.region.name,
        "year": premium.year,
        "insured": f"{premium.person.name} {premium.person.masked_national_id}",
        "by_agent": refund.by_agent,
        "amount": selectors.yuan(refund.amount_fen),
        "bank": f"{refund.bank_name} {refund.masked_bank_account}",
        "submitted_at": timezone.localtime(refund.submitted_at).strftime("%Y-%m-%d %H:%M"),
        "due_date": refund.due_date,
        "materials_note": refund.materials_note,
        "reason": refund.reason,
        "steps": [
            {
                "at": timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M"),
                "status_display": event.get_status_display(),
                "by": event.by_label,
                "note": event.note,
            }
            for event in refund.events.all()
        ],
        "documents": [
            {
                "kind": d.get_kind_display(),
                "at": timezone.localtime(d.uploaded_at).strftime("%Y-%m-%d"),
            }
            for d in refund.documents.all()
        ],
    }


@person_required
def resident_list(request, person: InsuredPerson):
    """The person's premiums on record and the applications they filed."""
    context = {
        "refunds": [_row(r) for r in selectors.resident_refunds_for_person(person=person)[:50]],
        "premiums": [
            {"region_name": p.region.name, "year": p.year, "amount": selectors.yuan(p.amount_fen)}
            for p in selectors.resident_premiums_for_person(person=person)[:20]
        ],
    }
    return render(request, "refunds/resident_list.html", context)


@person_required
@require_http_methods(["GET", "POST"])
def resident_new(request, person: InsuredPerson):
    form = ResidentRefundForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            refund = resident.resident_refund_apply(
                applicant=person,
                refund_type=data["type"],
                region_code=data["region"].pk,
                year=data["year"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"],
                for_national_id=data["for_national_id"],
                documents={kind: data[kind] for kind in form.DOCUMENTS},
            )
        except BusinessRuleViolation as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("申请已提交，您可以在此查看办理进度。"))
            return redirect("resident-refunds:detail", pk=refund.pk)
    return render(request, "refunds/resident_new.html", {"form": form})


def _own(person: InsuredPerson, pk: int) -> ResidentRefund:
    try:
        return selectors.resident_refund_for_person(person=person, refund_id=pk)
    except NotFound:
        raise Http404 from None


@person_required
def resident_detail(request, person: InsuredPerson, pk: int):
    """Progress (办理进度): status, due date, every step; the materials form when asked."""
    refund = _own(person, pk)
    context = {
        "refund": _row(refund),
        "materials_form": (
            ResidentRefundMaterialsForm()
            if refund.status == Status.MATERIALS_REQUESTED and refund.applicant_id == person.pk
            else None
        ),
    }
    return render(request, "refunds/resident_detail.html", context)


@person_required
@require_POST
def resident_materials(request, person: InsuredPerson, pk: int):
    refund = _own(person, pk)
    form = ResidentRefundMaterialsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的补充材料。"))
        return redirect("resident-refunds:detail", pk=refund.pk)
    try:
        resident.resident_refund_materials_submit(
            refund_id=refund.pk, applicant=person, documents=dict(form.cleaned_data)
        )
    except BusinessRuleViolation as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("补充材料已提交，办理时限自今日重新计算。"))
    return redirect("resident-refunds:detail", pk=refund.pk)
