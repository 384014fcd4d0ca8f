"""Staff act only for their regions (统筹区), superusers for all; a record of two regions (a
cross-region transfer's out-region and in-region) is seen by staff of either side, and each
side acts only on its own step. Every app checks through accounts.permissions."""

import pytest

from accounts.admin_scoping import RegionScopedAdmin
from accounts.errors import BusinessRuleViolation
from accounts.models import Posting
from accounts.permissions import (
    require_staff_region,
    require_staff_side,
    staff_may_act_on_region,
    staff_may_see_regions,
    staff_regions,
    staff_sides,
)
from accounts.services.ledger import posting_create, region_account
from tests.factories import StaffUserFactory, UserFactory, region

pytestmark = pytest.mark.django_db

XIAN, TAIYUAN, BEIJING = "610100", "140100", "110100"
# A transfer application from Xi'an to Taiyuan, as the transfers app will describe it.
TRANSFER = {"out": XIAN, "in": TAIYUAN}


@pytest.fixture
def xian_staff():
    return StaffUserFactory(regions=[XIAN])


@pytest.fixture
def taiyuan_staff():
    return StaffUserFactory(regions=[TAIYUAN])


@pytest.fixture
def superuser():
    return StaffUserFactory(is_superuser=True)


def test_staff_act_only_for_their_own_regions(xian_staff):
    assert list(staff_regions(user=xian_staff).values_list("pk", flat=True)) == [XIAN]
    assert staff_may_act_on_region(user=xian_staff, region_id=XIAN)
    assert not staff_may_act_on_region(user=xian_staff, region_id=TAIYUAN)
    assert not staff_may_act_on_region(user=xian_staff, region_id=None)


def test_a_superuser_acts_for_every_region_even_a_record_of_none(superuser):
    assert staff_regions(user=superuser).filter(pk=BEIJING).exists()
    assert staff_may_act_on_region(user=superuser, region_id=TAIYUAN)
    assert staff_may_act_on_region(user=superuser, region_id=None)


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: StaffUserFactory(regions=[XIAN], is_active=False), id="inactive"),
        pytest.param(lambda: UserFactory(is_staff=False), id="not-staff"),
    ],
)
def test_only_active_staff_act_whatever_regions_they_hold(make_user):
    # given a user linked to Xi'an who is not (or no longer) active staff
    user = make_user()
    user.regions.set([XIAN])
    # then
    assert not staff_regions(user=user).exists()
    assert not staff_may_act_on_region(user=user, region_id=XIAN)
    assert staff_sides(user=user, sides=TRANSFER) == frozenset()


def test_the_refusal_is_403_with_the_caller_s_message(xian_staff, taiyuan_staff):
    require_staff_region(user=xian_staff, region_id=XIAN)
    with pytest.raises(BusinessRuleViolation) as refused:
        require_staff_region(user=taiyuan_staff, region_id=XIAN, message="只有转出地可以办理。")
    assert (refused.value.status_code, refused.value.message) == (403, "只有转出地可以办理。")
    with pytest.raises(BusinessRuleViolation) as default:
        require_staff_region(user=taiyuan_staff, region_id=XIAN)
    assert default.value.status_code == 403 and default.value.message


def test_each_side_of_a_two_region_record_holds_only_its_own_side(
    xian_staff, taiyuan_staff, superuser
):
    both = StaffUserFactory(regions=[XIAN, TAIYUAN])
    beijing = StaffUserFactory(regions=[BEIJING])
    assert staff_sides(user=xian_staff, sides=TRANSFER) == {"out"}
    assert staff_sides(user=taiyuan_staff, sides=TRANSFER) == {"in"}
    assert staff_sides(user=both, sides=TRANSFER) == {"out", "in"}
    assert staff_sides(user=superuser, sides=TRANSFER) == {"out", "in"}
    assert staff_sides(user=beijing, sides=TRANSFER) == frozenset()


def test_staff_of_either_side_see_a_two_region_record_and_no_one_else(xian_staff, taiyuan_staff):
    regions = list(TRANSFER.values())
    assert staff_may_see_regions(user=xian_staff, region_ids=regions)
    assert staff_may_see_regions(user=taiyuan_staff, region_ids=regions)
    assert not staff_may_see_regions(user=StaffUserFactory(regions=[BEIJING]), region_ids=regions)


def test_a_side_s_step_is_refused_to_the_other_side_s_staff(xian_staff, taiyuan_staff):
    # the out-region confirms its step, the in-region accepts its own
    require_staff_side(user=xian_staff, sides=TRANSFER, side="out")
    require_staff_side(user=taiyuan_staff, sides=TRANSFER, side="in")
    # but neither takes the other's step, though both may see the record
    with pytest.raises(BusinessRuleViolation) as refused:
        require_staff_side(user=taiyuan_staff, sides=TRANSFER, side="out", message="转出地办理。")
    assert (refused.value.status_code, refused.value.message) == (403, "转出地办理。")
    with pytest.raises(BusinessRuleViolation):
        require_staff_side(user=xian_staff, sides=TRANSFER, side="in")


def test_a_side_with_no_region_yet_is_the_superuser_s_alone(xian_staff, superuser):
    """E.g. an application whose in-region is not chosen yet."""
    sides = {"out": XIAN, "in": None}
    assert staff_sides(user=xian_staff, sides=sides) == {"out"}
    with pytest.raises(BusinessRuleViolation):
        require_staff_side(user=xian_staff, sides=sides, side="in")
    require_staff_side(user=superuser, sides=sides, side="in")


def test_a_side_the_record_does_not_have_is_a_programming_error(xian_staff):
    with pytest.raises(ValueError, match="unknown side"):
        require_staff_side(user=xian_staff, sides=TRANSFER, side="middle")


class TwoRegionPostingAdmin(RegionScopedAdmin):
    """A record of two regions in the admin: money from one region's fund to another's."""

    region_paths = ("from_account__region", "to_account__region")


def test_an_admin_of_several_region_paths_shows_a_record_to_staff_of_any_of_them(
    rf, xian_staff, taiyuan_staff, superuser
):
    # given a posting from Xi'an's fund to Taiyuan's, and one inside Beijing
    across = posting_create(
        from_account=region_account(region=region(XIAN)),
        to_account=region_account(region=region(TAIYUAN)),
        amount_fen=100,
        kind="TEST_SEED",
        idempotency_key="test:across",
    )
    posting_create(
        from_account=region_account(region=region(BEIJING)),
        to_account=region_account(region=region(BEIJING), code="OTHER"),
        amount_fen=100,
        kind="TEST_SEED",
        idempotency_key="test:beijing",
    )
    model_admin = TwoRegionPostingAdmin(Posting, admin_site=None)

    def visible(user):
        request = rf.get("/")
        request.user = user
        return list(model_admin.get_queryset(request).values_list("pk", flat=True))

    # then each side sees it once; others see nothing; a superuser sees all
    assert visible(xian_staff) == visible(taiyuan_staff) == [across.pk]
    assert visible(StaffUserFactory(regions=[XIAN, TAIYUAN])) == [across.pk]
    assert visible(StaffUserFactory(regions=["310100"])) == []
    assert len(visible(superuser)) == 2
