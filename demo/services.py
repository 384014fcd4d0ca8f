"""Demo data for `seed_demo`: staff, employers, insured persons and their enrollments.

Seeding creates what is missing and leaves existing rows alone, so running it again changes
nothing and never undoes what happened since (suspended duplicates, changed passwords).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from accounts.errors import BusinessRuleViolation
from accounts.identity import credit_code_check_char, national_id_check_char
from accounts.models import AccountingPeriod, Employer, InsuredPerson, Region, User
from accounts.services.contributions import contributions_feed_apply
from accounts.services.credits import monthly_credit_run
from accounts.services.periods import accounting_period_assess, accounting_period_open
from accounts.services.person_regions import person_regions_link, person_regions_link_from
from accounts.services.personal_accounts import personal_account_open
from enrollment.models import Enrollment, EnrollmentStatus, ResolutionRun, Scheme
from enrollment.services.duplicates import duplicates_resolve
from enrollment.services.personal_accounts import personal_accounts_freeze_sync

from .balances import demo_balance_post
from .family import demo_family_seed
from .guide import DemoLogin, guide_merge
from .refunds import demo_refunds_seed
from .transfers import demo_transfers_seed

DEMO_PASSWORD = "Demo@2026"
STAFF_GROUP = "经办人员"
STAFF_GROUP_PERMISSIONS = {
    "accounts": [
        "view_regionpolicy",
        "change_regionpolicy",
        "view_regionpolicyversion",
        "add_regionpolicyversion",
        "view_region",
        "change_region",
        "view_employer",
        "change_employer",
        "view_insuredperson",
        "change_insuredperson",
        "view_personalaccount",
        "view_contribution",
        "view_accountingperiod",
        "add_accountingperiod",
        "change_accountingperiod",
        "view_monthlycreditrun",
        "view_posting",
    ],
    "enrollment": [
        "view_enrollment",
        "change_enrollment",
        "add_enrollment",
        "view_duplicatecase",
        "change_duplicatecase",
        "view_resolutionrun",
        "view_emergencyrestore",
        "add_emergencyrestore",
    ],
    "transfers": [
        "view_transferapplication",
        "change_transferapplication",
        "view_transferevent",
    ],
    "refunds": [
        "view_refundbatch",
        "change_refundbatch",
        "add_refundbatch",
        "view_refunditem",
        "view_clearance",
        "change_clearance",
        "view_residentpremium",
        "view_residentrefund",
        "change_residentrefund",
        "view_residentrefunddocument",
        "view_residentrefundevent",
    ],
    "wallet": [
        "view_wallet",
        "view_familybinding",
        "view_wallettransfer",
        "view_guardianreview",
        "change_guardianreview",
    ],
}
DEMO_ID_PREFIX = "610102"  # 西安市新城区
SYNTHETIC_ID_PREFIX = "610113"  # 西安市雁塔区
SYNTHETIC_BATCH = 5_000
_SYNTHETIC_BIRTH_DAYS = 20_000  # births spread over 1950-01-01 .. 2004-10-04
SYNTHETIC_CAPACITY = _SYNTHETIC_BIRTH_DAYS * 1000  # three-digit sequence per birth date

_TZ = ZoneInfo("Asia/Shanghai")


def _at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=_TZ)


@dataclass(frozen=True)
class _DemoEmployer:
    code: str
    name: str
    region: str
    phone: str


def _credit_code(region: str, n: int) -> str:
    body = f"91{region}MA{n:07d}"
    return body + credit_code_check_char(body)


_XIAN_SOFT = _credit_code("610100", 1)
_XIAN_FOOD = _credit_code("610100", 2)
_TAIYUAN_MACHINERY = _credit_code("140100", 3)
_BEIJING_DATA = _credit_code("110100", 4)
DEMO_EMPLOYERS = [
    _DemoEmployer(_XIAN_SOFT, "西安秦川软件科技有限公司", "610100", "029-88661234"),
    _DemoEmployer(_XIAN_FOOD, "西安古城餐饮管理有限公司", "610100", "029-87325566"),
    _DemoEmployer(_TAIYUAN_MACHINERY, "太原汾河机械制造有限公司", "140100", "0351-4127788"),
    _DemoEmployer(_BEIJING_DATA, "北京长城数据服务有限公司", "110100", "010-62781100"),
]


@dataclass(frozen=True)
class _DemoEnrollment:
    region: str
    scheme: str
    employer: str | None = None
    record_id: str = ""
    status: str = EnrollmentStatus.ACTIVE
    registered: str = "2015-03-01"
    paid: str | None = "2026-11-05"
    reported_name: str = ""  # a legacy record's name, when it differs


@dataclass(frozen=True)
class _DemoPerson:
    name: str
    male: bool
    birth: dt.date
    role: str
    enrollments: list[_DemoEnrollment] = field(default_factory=list)
    pension: Decimal | None = None  # set for retirees


def _employee(region: str, employer: str, **kwargs) -> _DemoEnrollment:
    return _DemoEnrollment(region, Scheme.EMPLOYEE, employer, **kwargs)


def _flexible(region: str, **kwargs) -> _DemoEnrollment:
    return _DemoEnrollment(region, Scheme.FLEXIBLE, **kwargs)


def _resident(region: str, **kwargs) -> _DemoEnrollment:
    # Resident premiums are paid once a year, for the following year.
    return _DemoEnrollment(region, Scheme.RESIDENT, **{"paid": "2025-12-20", **kwargs})


_D = dt.date
DEMO_PERSONS = [
    # In-service employees
    _DemoPerson("王建军", True, _D(1985, 3, 12), "在职职工", [_employee("610100", _XIAN_SOFT)]),
    _DemoPerson("李秀英", False, _D(1988, 7, 21), "在职职工（王建军之妻）", [_employee("610100", _XIAN_SOFT)]),
    _DemoPerson("张伟", True, _D(1990, 11, 5), "在职职工", [_employee("610100", _XIAN_FOOD)]),
    _DemoPerson("刘洋", False, _D(1993, 2, 14), "在职职工", [_employee("610100", _XIAN_FOOD)]),
    _DemoPerson("陈静", False, _D(1979, 9, 30), "在职职工", [_employee("610100", _XIAN_SOFT)]),
    _DemoPerson("杨帆", True, _D(1986, 5, 18), "在职职工", [_employee("140100", _TAIYUAN_MACHINERY)]),
    _DemoPerson("赵敏", False, _D(1991, 12, 1), "在职职工", [_employee("140100", _TAIYUAN_MACHINERY)]),
    _DemoPerson("周磊", True, _D(1984, 8, 8), "在职职工", [_employee("110100", _BEIJING_DATA)]),
    # Retirees, on both sides of the 70-year age band
    _DemoPerson("孙志刚", True, _D(1952, 4, 16), "退休人员", [_employee("610100", _XIAN_SOFT)], Decimal("4200.00")),
    _DemoPerson("吴桂兰", False, _D(1960, 10, 3), "退休人员", [_employee("610100", _XIAN_FOOD)], Decimal("3100.00")),
    _DemoPerson("王德福", True, _D(1958, 2, 28), "退休人员（王建军之父）", [_employee("610100", _XIAN_FOOD)], Decimal("3500.00")),
    _DemoPerson("郑国强", True, _D(1954, 1, 25), "退休人员", [_employee("140100", _TAIYUAN_MACHINERY)], Decimal("3800.00")),
    _DemoPerson("马淑珍", False, _D(1949, 6, 11), "退休人员", [_employee("110100", _BEIJING_DATA)], Decimal("2900.00")),
    # Flexible workers (灵活就业)
    _DemoPerson("黄晓东", True, _D(1987, 10, 10), "灵活就业", [_flexible("610100", paid="2026-11-10")]),
    _DemoPerson("林小红", False, _D(1995, 3, 3), "灵活就业", [_flexible("610100", paid="2026-10-12")]),
    _DemoPerson("何军", True, _D(1982, 12, 24), "灵活就业", [_flexible("140100", paid="2026-11-08")]),
    # Residents (城乡居民)
    _DemoPerson("高玉梅", False, _D(1970, 5, 5), "城乡居民", [_resident("610100")]),
    _DemoPerson("罗大山", True, _D(1965, 8, 19), "城乡居民", [_resident("610100")]),
    _DemoPerson("梁晨", True, _D(2001, 9, 9), "城乡居民（学生）", [_resident("610100")]),
    # Family members of the persons above
    _DemoPerson("王子涵", False, _D(2015, 6, 1), "家属（王建军之女）", [_resident("610100")]),
    _DemoPerson("王浩宇", True, _D(2019, 1, 20), "家属（王建军之子）", [_resident("610100")]),
    _DemoPerson("张丽", False, _D(1991, 4, 4), "家属（张伟之妻）", [_resident("610100")]),
    _DemoPerson("杨小雨", False, _D(2012, 11, 11), "家属（杨帆之女）", [_resident("140100")]),
    # Stopped employee insurance, continuing as a resident: the account is to be frozen (封存)
    _DemoPerson("彭亮", True, _D(1978, 6, 2), "停保转居民", [
        _employee("610100", _XIAN_FOOD, status=EnrollmentStatus.STOPPED, paid="2025-06-05"),
        _resident("610100", registered="2025-09-10"),
    ]),
    # Moved from Taiyuan to Xi'an: one stopped, one active enrollment (not a duplicate)
    _DemoPerson("韩冰", False, _D(1994, 4, 24), "跨地区转移", [
        _employee("140100", _TAIYUAN_MACHINERY, status=EnrollmentStatus.STOPPED, paid="2026-03-05"),
        _employee("610100", _XIAN_SOFT, registered="2026-04-01"),
    ]),
    # Duplicate enrollments (重复参保), one per resolution rule
    _DemoPerson("曹磊", True, _D(1989, 6, 6), "重复参保：职工+居民", [
        _employee("610100", _XIAN_SOFT),
        _resident("610100", registered="2019-09-01"),
    ]),
    _DemoPerson("唐芳", False, _D(1986, 9, 12), "重复参保：灵活就业+居民", [
        _flexible("610100"),
        _resident("610300", registered="2020-10-15"),
    ]),
    _DemoPerson("许婷", False, _D(1992, 1, 15), "重复参保：职工多地", [
        _employee("610100", _XIAN_FOOD, paid="2026-08-05"),
        _employee("140100", _TAIYUAN_MACHINERY, registered="2026-07-01", paid="2026-11-05"),
    ]),
    _DemoPerson("冯雪", False, _D(1983, 3, 30), "重复参保：居民多地", [
        _resident("610100", paid="2024-12-18"),
        _resident("610300", registered="2024-09-20", paid="2025-12-22"),
    ]),
    _DemoPerson("邓海", True, _D(1975, 7, 7), "重复参保：居民多地（同时缴费，先入库）", [
        _resident("140100", registered="2018-11-02"),
        _resident("610100", registered="2016-10-08"),
    ]),
    _DemoPerson("宋宇", True, _D(1980, 10, 31), "重复参保：同地两条记录", [
        _employee("610100", _XIAN_SOFT, record_id="61010000321456"),
        _employee("610100", _XIAN_SOFT, record_id="61019900078123", registered="2009-05-01"),
    ]),
    _DemoPerson("罗敏", False, _D(1990, 2, 17), "重复参保：同一身份证号姓名不一致（待单位核实）", [
        _employee("610100", _XIAN_FOOD, record_id="61019900045678", reported_name="罗民", registered="2008-03-01"),
    ]),
]  # fmt: skip


def demo_national_id(index: int) -> str:
    """The ID of DEMO_PERSONS[index]: the sequence's last digit is odd for men, even for women."""
    person = DEMO_PERSONS[index]
    body = f"{DEMO_ID_PREFIX}{person.birth:%Y%m%d}{2 * index + (1 if person.male else 2):03d}"
    return body + national_id_check_char(body)


@transaction.atomic
def demo_data_seed() -> list[DemoLogin]:
    """Creates the missing demo rows; returns every demo login."""
    password = make_password(DEMO_PASSWORD)
    group = _staff_group_sync()
    admin = _login_get_or_create(
        "admin", "系统管理员", User.Kind.STAFF, password, is_staff=True, is_superuser=True
    )
    logins = [DemoLogin(admin.username, "超级管理员", admin.first_name)]
    view_full_id = Permission.objects.get(
        content_type__app_label="accounts", codename="view_full_national_id"
    )
    for username, name, region, can_see_full_id in [
        ("staff_xian", "西安经办员", "610100", True),
        ("staff_taiyuan", "太原经办员", "140100", False),
    ]:
        staff = _login_get_or_create(username, name, User.Kind.STAFF, password, is_staff=True)
        staff.groups.add(group)
        staff.regions.set([region])
        if can_see_full_id:
            staff.user_permissions.add(view_full_id)
        logins.append(DemoLogin(username, f"经办人员（{region}）", name))

    employers = {}
    for demo in DEMO_EMPLOYERS:
        user = _login_get_or_create(demo.code, demo.name, User.Kind.EMPLOYER, password)
        employer, _created = Employer.objects.get_or_create(
            code=demo.code,
            defaults={
                "name": demo.name,
                "region_id": demo.region,
                "contact_phone": demo.phone,
                "user": user,
            },
        )
        _link_login(employer, user)
        employers[demo.code] = employer
        logins.append(DemoLogin(demo.code, "参保单位", demo.name))

    for index, demo in enumerate(DEMO_PERSONS):
        national_id = demo_national_id(index)
        user = _login_get_or_create(national_id, demo.name, User.Kind.PERSON, password)
        person, _created = InsuredPerson.objects.get_or_create(
            national_id=national_id,
            defaults={
                "name": demo.name,
                "phone": f"1390291{index:04d}",
                "birth_date": demo.birth,
                "retired": demo.pension is not None,
                "pension": demo.pension,
                "user": user,
            },
        )
        _link_login(person, user)
        for item in demo.enrollments:
            person_regions_link(pairs=[(person.pk, item.region)])
            Enrollment.objects.get_or_create(
                person=person,
                region_id=item.region,
                scheme=item.scheme,
                record_id=item.record_id,
                defaults={
                    "employer": employers.get(item.employer),
                    "status": item.status,
                    "registered_at": _at(item.registered),
                    "last_paid_at": _at(item.paid) if item.paid else None,
                    "reported_name": item.reported_name,
                },
            )
        logins.append(DemoLogin(national_id, f"参保人·{demo.role}", demo.name))
    logins = guide_merge(logins, _STAFF_TIPS)
    logins = guide_merge(
        logins,
        demo_transfers_seed(
            id_prefix=DEMO_ID_PREFIX,
            login=lambda username, name: _login_get_or_create(
                username, name, User.Kind.PERSON, password
            ),
        ),
    )
    logins = guide_merge(logins, _demo_accounts_seed())
    logins = guide_merge(logins, _duplicates_resolved())
    logins = guide_merge(logins, demo_family_seed(person_at=_demo_person))
    logins = guide_merge(logins, demo_refunds_seed(person_national_id=demo_national_id(0)))
    return logins


def _demo_person(index: int) -> InsuredPerson:
    return InsuredPerson.objects.get(national_id=demo_national_id(index))


_STAFF_TIPS = [
    DemoLogin("admin", "", "", "后台全部功能；/admin/ 登录（/login/ 是参保人和参保单位的入口）"),
    DemoLogin(
        "staff_xian",
        "",
        "",
        "/admin/ 登录：审核转出的转移接续申请（含一件逾期），查看已处理的重复参保和账户合并",
    ),
    DemoLogin("staff_taiyuan", "", "", "/admin/ 登录：接收已转出的转移接续申请"),
    DemoLogin(_XIAN_FOOD, "", "", "首页：罗敏的姓名待本单位核实（姓名核实）"),
]


DEMO_CREDIT_MONTHS = [f"2026{month:02d}" for month in range(1, 11)]


def _demo_accounts_seed() -> list[DemoLogin]:
    """Personal accounts with ten months of paid contributions, assessed and credited; the
    person who moved to resident insurance keeps a frozen (封存) account with money in it."""
    persons = InsuredPerson.objects.filter(national_id__startswith=DEMO_ID_PREFIX)
    enrollments = Enrollment.objects.filter(
        person__in=persons,
        scheme__in=[Scheme.EMPLOYEE, Scheme.FLEXIBLE],
        status=EnrollmentStatus.ACTIVE,
    ).select_related("person", "region")
    rows, contributing = [], set()
    for enrollment in enrollments:
        personal_account_open(
            person=enrollment.person,
            region=enrollment.region,
            record_id=enrollment.record_id,
            opened_period=DEMO_CREDIT_MONTHS[0],
        )
        # Two records in one region still pay once a month.
        if (
            enrollment.person.retired
            or (enrollment.person_id, enrollment.region_id) in contributing
        ):
            continue
        contributing.add((enrollment.person_id, enrollment.region_id))
        base = Decimal(5000 + 250 * (enrollment.person.pk % 20))
        rows += [
            {
                "person": enrollment.person,
                "region": enrollment.region,
                "period": period,
                "base": base,
                "paid_at": _at(f"{period[:4]}-{period[4:]}-15"),
            }
            for period in DEMO_CREDIT_MONTHS
        ]
    created = contributions_feed_apply(rows=rows).created if rows else 0
    regions = {enrollment.region for enrollment in enrollments}
    for region in regions:
        for period in DEMO_CREDIT_MONTHS:
            row = accounting_period_open(region=region, period=period)
            if row.status == AccountingPeriod.Status.OPEN:
                accounting_period_assess(period=row)
    if created:
        for region in sorted(regions, key=lambda r: r.code):
            monthly_credit_run(region_code=region.code, triggered_by="seed_demo")
    frozen = _frozen_account_funded()
    # Employees who moved to resident insurance: their accounts are frozen (封存), as the feed does.
    personal_accounts_freeze_sync(person_ids=list(persons.values_list("pk", flat=True)))
    return [
        DemoLogin(
            frozen.national_id,
            "",
            frozen.name,
            "个人账户已封存：余额仍在，首页和个人账户页说明原因和怎么办",
        )
    ]


FROZEN = 23  # 彭亮: stopped employee insurance in 2025, a resident since


def _frozen_account_funded() -> InsuredPerson:
    """彭亮's Xi'an account from his years as an employee: current-year and carried-over money
    (posted once, as the transfer demo does for its applicants)."""
    person = _demo_person(FROZEN)
    account = personal_account_open(
        person=person, region=Region.objects.get(pk="610100"), opened_period="201801"
    )
    demo_balance_post(account, current_fen=1_860_00, carried_fen=6_420_35, key="demo:frozen")
    return person


def _duplicates_resolved() -> list[DemoLogin]:
    """The demo's duplicate enrollments decided by a resolution run, as the nightly task
    would, with the personal-account merges that follow; once only."""
    if not ResolutionRun.objects.filter(triggered_by="seed_demo").exists():
        duplicates_resolve(
            triggered_by="seed_demo",
            person_ids=list(
                InsuredPerson.objects.filter(national_id__startswith=DEMO_ID_PREFIX).values_list(
                    "pk", flat=True
                )
            ),
        )
    return [
        DemoLogin(
            demo_national_id(index),
            "",
            DEMO_PERSONS[index].name,
            "首页：重复参保已自动处理（暂停或合并），写明原因和怎么办",
        )
        for index, demo in enumerate(DEMO_PERSONS)
        if demo.role.startswith("重复参保") and not demo.role.endswith("（待单位核实）")
    ]


def _staff_group_sync() -> Group:
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    group.permissions.set(
        [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codenames in STAFF_GROUP_PERMISSIONS.items()
            for codename in codenames
        ]
    )
    return group


def _login_get_or_create(username: str, name: str, kind: str, password: str, **flags) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": name, "kind": kind, "password": password, **flags},
    )
    return user


def _link_login(owner: InsuredPerson | Employer, user: User) -> None:
    """A person or employer that arrived through a feed gets its demo login."""
    if owner.user_id is None:
        owner.user = user
        owner.save(update_fields=["user", "updated_at"])


# Synthetic persons for load and benchmark runs (`seed_demo --persons N`)

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN_NAMES = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
    "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东",
    "文博", "子轩", "欣怡", "浩然", "雨涵", "梓涵", "佳怡", "宇航", "思远", "嘉怡", "俊杰",
]  # fmt: skip
_SYNTHETIC_EMPLOYERS = [
    "陕西秦岭建设工程有限公司",
    "西安曲江文化旅游有限公司",
    "西安高新电子科技有限公司",
    "陕西长安物流有限公司",
    "西安灞桥纺织有限公司",
]
_SYNTHETIC_REGION = "610100"
_FIRST_BIRTH = dt.date(1950, 1, 1)
_RETIREMENT_BIRTH_BEFORE = dt.date(1966, 1, 1)
_FIRST_REGISTERED = _at("2008-01-01")
_EMPLOYEE_PAID = _at("2026-11-05")
_RESIDENT_PAID = _at("2025-12-20")


def _synthetic_birth(index: int) -> dt.date:
    return _FIRST_BIRTH + dt.timedelta(days=index % _SYNTHETIC_BIRTH_DAYS)


def _synthetic_retired(index: int) -> bool:
    """A third of those born before 1966: about 10% of all."""
    return index % 3 == 0 and _synthetic_birth(index) < _RETIREMENT_BIRTH_BEFORE


class _SyntheticPerson(NamedTuple):
    national_id: str
    name: str
    phone: str
    birth_date: dt.date
    retired: bool
    pension: Decimal | None


class _SyntheticEnrollment(NamedTuple):
    scheme: str
    employer_id: int | None
    registered_at: dt.datetime
    last_paid_at: dt.datetime


def _synthetic_person(index: int) -> _SyntheticPerson:
    birth = _synthetic_birth(index)
    body = f"{SYNTHETIC_ID_PREFIX}{birth:%Y%m%d}{index // _SYNTHETIC_BIRTH_DAYS:03d}"
    retired = _synthetic_retired(index)
    return _SyntheticPerson(
        body + national_id_check_char(body),
        _SURNAMES[index % len(_SURNAMES)]
        + _GIVEN_NAMES[index // len(_SURNAMES) % len(_GIVEN_NAMES)],
        f"139{index:08d}",
        birth,
        retired,
        Decimal(2600 + index % 2400) if retired else None,
    )


def _synthetic_enrollment(index: int, employer_ids: list[int]) -> _SyntheticEnrollment:
    """Mostly employees at the synthetic employers, some residents."""
    registered = _FIRST_REGISTERED + dt.timedelta(days=index % 5000)
    if index % 10 == 1 and not _synthetic_retired(index):
        return _SyntheticEnrollment(Scheme.RESIDENT.value, None, registered, _RESIDENT_PAID)
    employer_id = employer_ids[index % len(employer_ids)]
    return _SyntheticEnrollment(Scheme.EMPLOYEE.value, employer_id, registered, _EMPLOYEE_PAID)


@transaction.atomic
def synthetic_persons_seed(*, count: int) -> int:
    """Makes `count` synthetic persons exist, each with one ACTIVE enrollment; returns how many
    were added. Person `index` always gets the same national ID, so reruns add only the missing."""
    if count > SYNTHETIC_CAPACITY:
        raise BusinessRuleViolation(
            _("最多生成 %(capacity)d 名参保人。") % {"capacity": SYNTHETIC_CAPACITY}
        )
    existing = InsuredPerson.objects.filter(national_id__startswith=SYNTHETIC_ID_PREFIX).count()
    if existing >= count:
        return 0
    employer_ids = [
        Employer.objects.get_or_create(
            code=_credit_code(_SYNTHETIC_REGION, 1000 + n),
            defaults={"name": name, "region": Region.objects.get(code=_SYNTHETIC_REGION)},
        )[0].pk
        for n, name in enumerate(_SYNTHETIC_EMPLOYERS, start=1)
    ]
    indexes = range(existing, count)
    if connection.vendor == "postgresql":
        _synthetic_copy(indexes, employer_ids)
    else:
        _synthetic_bulk_create(indexes, employer_ids)
    person_regions_link_from(
        pairs=Enrollment.objects.filter(
            person__national_id__startswith=SYNTHETIC_ID_PREFIX
        ).values_list("person_id", "region_id")
    )
    return len(indexes)


def _copy_statement(model, names: list[str]) -> sql.Composed:
    columns = [model._meta.get_field(name).column for name in names]
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


def _synthetic_copy(indexes: range, employer_ids: list[int]) -> None:
    """PostgreSQL: COPY persons with ids reserved up front, then COPY their enrollments."""
    now = timezone.now()
    table = InsuredPerson._meta.db_table
    with connection.cursor() as cursor:
        # Nobody may take ids from the reserved block while it is being filled.
        cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, len(indexes)],
        )
        first_id = cursor.fetchone()[0] - len(indexes) + 1
        copy_cursor = cursor.connection.cursor()
        person_columns = ["id", *_SyntheticPerson._fields, "created_at", "updated_at"]
        with copy_cursor.copy(_copy_statement(InsuredPerson, person_columns)) as copy:
            for offset, index in enumerate(indexes):
                copy.write_row((first_id + offset, *_synthetic_person(index), now, now))
        enrollment_columns = [
            "person_id",
            *_SyntheticEnrollment._fields,
            "region_id",
            "record_id",
            "status",
            "status_reason",
            "reported_name",
            "resolution_exempt",
            "updated_at",
        ]
        rest = (_SYNTHETIC_REGION, "", EnrollmentStatus.ACTIVE.value, "", "", False, now)
        with copy_cursor.copy(_copy_statement(Enrollment, enrollment_columns)) as copy:
            for offset, index in enumerate(indexes):
                row = _synthetic_enrollment(index, employer_ids)
                copy.write_row((first_id + offset, *row, *rest))


def _synthetic_bulk_create(indexes: range, employer_ids: list[int]) -> None:
    for low in range(indexes.start, indexes.stop, SYNTHETIC_BATCH):
        batch = range(low, min(low + SYNTHETIC_BATCH, indexes.stop))
        persons = InsuredPerson.objects.bulk_create(
            InsuredPerson(**_synthetic_person(index)._asdict()) for index in batch
        )
        Enrollment.objects.bulk_create(
            Enrollment(
                person=person,
                region_id=_SYNTHETIC_REGION,
                **_synthetic_enrollment(index, employer_ids)._asdict(),
            )
            for index, person in zip(batch, persons, strict=True)
        )
