"""Demo content of the people app: the accounts that `manage.py seed_demo` creates.

Everything here is deterministic (a fixed random seed), so running it twice finds every row
already there and changes nothing. Other apps add their own content in their own ``demo.py``
(see ``people/management/commands/seed_demo.py``); they find the accounts below by e-mail.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import BrokerProfile, Level, Organisation, Region, User
from .roles import Role
from .services.accounts import user_set_roles
from .validators import national_id_check_digit, validate_national_id, validate_phone

PASSWORD = "Academy-demo-2026"  # noqa: S105 - published demo password (README, DESIGN.md)
BROKER_COUNT = 56
INTERMEDIATE_COUNT = 13
_SEED = 3_660_2026  # any fixed number: the same people on every machine


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str
    note: str = ""


STAFF = [
    DemoAccount("admin@demo.local", "王建国", Role.ADMIN, "superuser"),
    DemoAccount("auditor@demo.local", "李淑芬", Role.AUDITOR),
    DemoAccount("trainer1@demo.local", "张振华", Role.TRAINER),
    DemoAccount("trainer2@demo.local", "赵雅琴", Role.TRAINER),
]


def broker_email(number: int) -> str:
    """``broker01@demo.local`` … ``broker56@demo.local``."""
    return f"broker{number:02d}@demo.local"


# One organisation per region, as a city's technology-transfer network would have them.
# (region code, organisation name, kind)
ORGANISATIONS = [
    ("411200", "三门峡市技术转移中心", Organisation.Kind.AGENCY),
    ("411202", "三门峡职业技术学院", Organisation.Kind.UNIVERSITY),
    ("411203", "三门峡市农业科学研究院", Organisation.Kind.INSTITUTE),
    ("411221", "渑池县农业科技服务站", Organisation.Kind.GOVERNMENT),
    ("411224", "卢氏县食用菌产业技术服务中心", Organisation.Kind.AGENCY),
    ("411281", "义马煤业新材料科技有限公司", Organisation.Kind.ENTERPRISE),
    ("411282", "灵宝市黄金科技有限公司", Organisation.Kind.ENTERPRISE),
    ("411200-HTZ", "三门峡高新区科技企业孵化器", Organisation.Kind.AGENCY),
]

# Relative weight of each region among the brokers (more in the city and the big counties).
_REGION_WEIGHTS = {
    "411200": 4, "411202": 5, "411203": 3, "411221": 2,
    "411224": 2, "411281": 2, "411282": 4, "411200-HTZ": 3,
}

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
    "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_GIVEN = [
    "建军", "秀英", "海燕", "志强", "晓明", "丽娟", "国庆", "红梅", "立新", "春生", "玉兰", "振宇",
    "文博", "雪梅", "卫东", "静怡", "明辉", "桂芳", "俊杰", "晓燕", "永刚", "淑华", "鹏飞", "婷婷",
    "浩然", "慧敏", "建平", "亚楠", "德明", "晓丽", "宏伟", "佳琪", "伟", "敏", "磊", "洁",
    "勇", "艳", "涛", "芳", "军", "霞", "斌", "娜", "超", "静", "强", "丹", "子涵", "思远",
    "家豪", "欣然", "宇航", "梦瑶", "天佑", "雨萱", "国栋", "秋菊", "长青", "卫华", "向阳", "凤英",
]
_PHONE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "152", "158", "159",
                   "182", "186", "187", "188", "176", "199", "133", "153", "180", "189"]


@dataclass(frozen=True)
class BrokerSpec:
    number: int
    email: str
    full_name: str
    region_code: str
    level_code: str
    level_since: datetime.date
    phone: str
    national_id: str


def demo_national_id(*, area: str, birth: datetime.date, sequence: int) -> str:
    """An 18-character ID (GB 11643-1999): area, birth date, 3-digit sequence, check digit."""
    area = area[:6]
    first17 = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + national_id_check_digit(first17)


def broker_specs() -> list[BrokerSpec]:
    """The 56 demo brokers, always the same: the first 13 are intermediate."""
    rng = random.Random(_SEED)
    codes = [code for code, _name, _kind in ORGANISATIONS]
    # Every region gets at least one broker, then the rest by weight.
    region_codes = codes + rng.choices(
        codes, weights=[_REGION_WEIGHTS[c] for c in codes], k=BROKER_COUNT - len(codes)
    )
    rng.shuffle(region_codes)
    names: set[str] = set()
    specs = []
    for index in range(BROKER_COUNT):
        number = index + 1
        while True:
            name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
            if name not in names:
                names.add(name)
                break
        intermediate = index < INTERMEDIATE_COUNT
        if intermediate:
            since = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(0, 900))
        else:
            since = datetime.date(2022, 1, 1) + datetime.timedelta(days=rng.randrange(0, 1400))
        birth = datetime.date(1968, 1, 1) + datetime.timedelta(days=rng.randrange(0, 30 * 365))
        region_code = region_codes[index]
        # City-level bodies and the high-tech zone have no county code: use the central district.
        area = region_code if region_code[:6] not in ("411200",) else "411202"
        phone = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
        specs.append(BrokerSpec(
            number=number,
            email=broker_email(number),
            full_name=name,
            region_code=region_code,
            level_code="intermediate" if intermediate else "junior",
            level_since=since,
            phone=phone,
            national_id=demo_national_id(area=area, birth=birth, sequence=900 + number),
        ))
    for spec in specs:  # a typo in the generator must fail loudly, not seed bad data
        validate_national_id(spec.national_id)
        validate_phone(spec.phone)
    return specs


def _account_ensure(
    *, email: str, full_name: str, password_hash: str, superuser: bool = False
) -> tuple[User, bool]:
    """The demo account for ``email``; a new one gets the demo password and a verified address."""
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"full_name": full_name, "password": password_hash,
                  "is_superuser": superuser, "is_staff": superuser},
    )
    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return user, created


def seed(stdout: TextIO) -> None:
    """Create the demo organisations and accounts that are missing. Safe to run again."""
    # One hash for all new accounts: hashing 60 passwords one by one takes half a minute.
    password_hash = make_password(PASSWORD)
    created = 0
    with transaction.atomic():
        regions = {r.code: r for r in Region.objects.all()}
        levels = {lv.code: lv for lv in Level.objects.all()}
        organisations = {}
        for region_code, name, kind in ORGANISATIONS:
            organisations[region_code], _ = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "region": regions.get(region_code)}
            )

        for account in STAFF:
            user, new = _account_ensure(
                email=account.email, full_name=account.full_name, password_hash=password_hash,
                superuser=account.note == "superuser",
            )
            user_set_roles(user=user, roles=[account.role])
            created += new

        for spec in broker_specs():
            user, new = _account_ensure(
                email=spec.email, full_name=spec.full_name, password_hash=password_hash
            )
            user_set_roles(user=user, roles=[Role.BROKER])
            created += new
            region = regions.get(spec.region_code) or next(iter(regions.values()))
            BrokerProfile.objects.get_or_create(
                user=user,
                defaults={
                    "level": levels[spec.level_code],
                    "level_since": spec.level_since,
                    "region": region,
                    "organisation": organisations.get(spec.region_code),
                    "phone": spec.phone,
                    "national_id": spec.national_id,
                },
            )
    stdout.write(f"people: {created} demo account(s) created, "
                 f"{len(STAFF) + BROKER_COUNT - created} already there.\n")


def accounts_print(stdout: TextIO) -> None:
    """The table of demo accounts, as the README shows it."""
    profiles = {
        p.user.email: p
        for p in BrokerProfile.objects.select_related("user", "level", "region")
        .filter(user__email__endswith="@demo.local")
    }
    rows = [(a.email, str(a.role), a.full_name) for a in STAFF]
    for number in range(1, BROKER_COUNT + 1):
        email = broker_email(number)
        profile = profiles.get(email)
        if profile is None:
            continue
        rows.append((email, f"broker · {profile.level.name}",
                     f"{profile.user.full_name} · {profile.region.name}"))
    width = max(len(r[0]) for r in rows)
    stdout.write(f"\nDemo accounts (password for all: {PASSWORD})\n")
    stdout.write(f"{'e-mail'.ljust(width)}  role\n")
    for email, role, who in rows:
        stdout.write(f"{email.ljust(width)}  {role}  ({who})\n")
