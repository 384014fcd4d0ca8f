"""The wallet's audit rows move into the core's AuditEvent (one audit path for every app).

An acting person becomes their login user (and stays by id in `after.actor_person`); a staff
label `staff:<username>` becomes that user; other labels (system, service) stay in
`after.actor_label`. The value columns become the JSON the services write now.
"""

from django.db import migrations

BATCH = 5000

# The key each action's before/after value is recorded under.
_VALUE_KEY = {
    "wallet_open": "usage_region",
    "wallet_usage_region": "usage_region",
    "payment_code_create": "max_amount",
    "payment_resident_premium": "amount",
    "payment_medical": "amount",
}
# Actions whose detail is a fact of the change, not its reason.
_DETAIL_KEY = {
    "payment_code_create": "institution",
    "payment_resident_premium": "for",
    "payment_medical": "for",
}


def _value_key(action: str) -> str:
    return _VALUE_KEY.get(action, "status")


def _to_audit(event, *, user_of_person: dict, staff: dict, AuditEvent):
    key = _value_key(event.action)
    after = {key: event.after} if event.after else {}
    reason = event.detail
    if event.action in _DETAIL_KEY:
        if event.detail:
            after[_DETAIL_KEY[event.action]] = event.detail
        reason = ""
    actor_id = user_of_person.get(event.actor_id)
    if event.actor_id is not None:
        after["actor_person"] = event.actor_id
    label = event.actor_label
    if label.startswith("staff:") and label[len("staff:") :] in staff:
        actor_id, label = staff[label[len("staff:") :]], ""
    if label:
        after["actor_label"] = label
    return AuditEvent(
        actor_id=actor_id,
        action=event.action,
        object_type=f"wallet.{event.object_type.lower()}",
        object_id=event.object_id,
        before={key: event.before} if event.before else {},
        after=after,
        reason=reason,
        created_at=event.created_at,
    )


def _keeping_created_at(AuditEvent):
    """The historical model's auto_now_add would stamp every copied row with today."""
    field = AuditEvent._meta.get_field("created_at")
    field.auto_now_add = False
    return field


def wallet_events_to_audit_events(apps, schema_editor):
    WalletEvent = apps.get_model("wallet", "WalletEvent")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    InsuredPerson = apps.get_model("accounts", "InsuredPerson")
    User = apps.get_model("accounts", "User")
    field = _keeping_created_at(AuditEvent)
    try:
        last = 0
        while True:
            events = list(WalletEvent.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
            if not events:
                return
            last = events[-1].pk
            persons = {e.actor_id for e in events if e.actor_id is not None}
            user_of_person = dict(
                InsuredPerson.objects.filter(pk__in=persons, user__isnull=False).values_list(
                    "pk", "user_id"
                )
            )
            usernames = {
                e.actor_label[len("staff:") :]
                for e in events
                if e.actor_label.startswith("staff:")
            }
            staff = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
            AuditEvent.objects.bulk_create(
                [
                    _to_audit(e, user_of_person=user_of_person, staff=staff, AuditEvent=AuditEvent)
                    for e in events
                ]
            )
    finally:
        field.auto_now_add = True


def audit_events_to_wallet_events(apps, schema_editor):
    WalletEvent = apps.get_model("wallet", "WalletEvent")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    field = WalletEvent._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        rows = AuditEvent.objects.filter(object_type__startswith="wallet.").select_related("actor")
        batch = []
        for event in rows.order_by("pk").iterator(chunk_size=BATCH):
            key = _value_key(event.action)
            label = event.after.get("actor_label", "")
            if not label and event.actor is not None and "actor_person" not in event.after:
                label = f"staff:{event.actor.username}"
            detail = event.reason or event.after.get(_DETAIL_KEY.get(event.action, ""), "")
            batch.append(
                WalletEvent(
                    actor_id=event.after.get("actor_person"),
                    actor_label=label[:60],
                    action=event.action,
                    object_type=_class_name(event.object_type),
                    object_id=event.object_id,
                    before=str(event.before.get(key, ""))[:100],
                    after=str(event.after.get(key, ""))[:100],
                    detail=str(detail)[:200],
                    created_at=event.created_at,
                )
            )
            if len(batch) == BATCH:
                WalletEvent.objects.bulk_create(batch)
                batch = []
        WalletEvent.objects.bulk_create(batch)
        rows.delete()
    finally:
        field.auto_now_add = True


_CLASS_NAMES = {
    "wallet.familybinding": "FamilyBinding",
    "wallet.guardianreview": "GuardianReview",
    "wallet.wallet": "Wallet",
    "wallet.wallettransfer": "WalletTransfer",
    "wallet.walletpayment": "WalletPayment",
    "wallet.paymentcode": "PaymentCode",
}


def _class_name(object_type: str) -> str:
    return _CLASS_NAMES.get(object_type, object_type.split(".")[-1])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_outbox_pending_verification_audit"),
        ("wallet", "0005_guardians_and_code_limits"),
    ]

    operations = [
        migrations.RunPython(wallet_events_to_audit_events, audit_events_to_wallet_events),
        migrations.DeleteModel(name="WalletEvent"),
    ]
