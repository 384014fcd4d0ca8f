"""Opening a wallet (本人开通 / 代开通) and changing its usage region (使用地)."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.errors import Forbidden, Invalid, NotFound, Refused
from accounts.models import InsuredPerson, LedgerAccount, Region
from accounts.services.ledger import person_account

from .. import selectors
from ..models import UsageRegionChange, Wallet
from .common import event_record
from .family import is_guardian, person_is_minor


def check_wallet_region(*, region: Region, field: str | None = None, whose: str = "") -> None:
    if not region.wallet_enabled:
        raise Invalid(
            _("%(region)s尚未开通医保钱包功能%(whose)s。")
            % {"region": region.name, "whose": whose},
            field=field,
        )


@transaction.atomic
def wallet_open(
    *,
    by: InsuredPerson,
    usage_region: Region,
    for_person: InsuredPerson | None = None,
    consent: bool = True,
) -> Wallet:
    """Open the person's own wallet, or a confirmed family member's (代开通).

    Both the insured region (参保地) and the usage region must have the wallet enabled. A minor's
    wallet is opened only by a confirmed guardian; a minor opens none (refused).
    """
    owner = for_person or by
    if not consent:
        raise Invalid(_("开通医保钱包需要同意《医保钱包服务协议》。"), field="consent")
    if person_is_minor(person=by):
        raise Forbidden(
            _("未满18周岁的参保人不能自行开通医保钱包，请由已确认的监护人代开通。"),
            rule="minor",
        )
    if owner.pk != by.pk:
        if person_is_minor(person=owner):
            if not is_guardian(person=by, minor_id=owner.pk):
                raise Invalid(
                    _("只有经确认的监护人可以为未成年人代开通医保钱包。"),
                    field="for_national_id",
                    rule="not_guardian",
                )
        elif selectors.confirmed_binding_between(person=by, other_id=owner.pk) is None:
            raise Invalid(_("只能为已确认绑定的家庭成员代开通医保钱包。"), field="for_national_id")
    if Wallet.objects.filter(person=owner).exists():
        raise Refused(_("该参保人的医保钱包已开通。"))
    region_code = selectors.insured_region(person=owner)
    if region_code is None:
        raise Invalid(_("没有有效的参保登记，不能开通医保钱包。"))
    insured_region = Region.objects.get(pk=region_code)
    check_wallet_region(region=insured_region, whose=_("（参保地）"))
    check_wallet_region(region=usage_region, field="usage_region", whose=_("（使用地）"))
    now = timezone.now()
    try:
        with transaction.atomic():
            wallet = Wallet.objects.create(
                person=owner,
                account=person_account(person=owner, kind=LedgerAccount.Kind.WALLET),
                insured_region=insured_region,
                usage_region=usage_region,
                phone=owner.phone,
                opened_by=by,
                consent_at=now,
            )
    except IntegrityError:
        raise Refused(_("该参保人的医保钱包已开通。")) from None
    UsageRegionChange.objects.create(wallet=wallet, to_region=usage_region, changed_by=by)
    event_record(
        action="wallet_open",
        obj=wallet,
        actor=by,
        after={"usage_region": usage_region.code},
        detail=_("本人开通") if owner.pk == by.pk else _("代开通"),
    )
    return wallet


@transaction.atomic
def wallet_usage_region_change(*, by: InsuredPerson, usage_region: Region) -> Wallet:
    """Change one's own wallet's 使用地; every change is kept."""
    wallet = Wallet.objects.select_for_update().filter(person=by).first()
    if wallet is None:
        raise NotFound(_("您尚未开通医保钱包。"))
    if wallet.status != Wallet.Status.OPEN:
        raise Refused(_("医保钱包已关闭，不能变更使用地。"))
    if wallet.usage_region_id == usage_region.code:
        raise Invalid(
            _("新的使用地与当前使用地（%(region)s）相同。") % {"region": usage_region.name},
            field="usage_region",
        )
    check_wallet_region(region=usage_region, field="usage_region", whose=_("（使用地）"))
    before = wallet.usage_region_id
    UsageRegionChange.objects.create(
        wallet=wallet, from_region_id=before, to_region=usage_region, changed_by=by
    )
    wallet.usage_region = usage_region
    wallet.save(update_fields=["usage_region"])
    event_record(
        action="wallet_usage_region",
        obj=wallet,
        actor=by,
        before={"usage_region": before},
        after={"usage_region": usage_region.code},
    )
    return wallet
