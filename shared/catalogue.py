"""The district's service programmes and request categories: data, loaded into the database once.

The catalogue's top level is the district's eight key service programmes (`PROGRAMMES`; their
words are `console.prog_<code>`). Each category belongs to one, has a time limit (calendar
hours, or working days on the official calendar: `time_limit_days`, see shared/workdays.py)
and the department that answers for it. The catalogue lives in the database after seeding and
is edited there.

`DIFFICULTIES` are the household difficulty types a 一帮一 family is recorded with (words:
`console.difficulty_<code>`).
"""

from dataclasses import dataclass

# The eight key service programmes, in the order the district lists them.
PROGRAMMES: tuple[str, ...] = (
    "household",  # 家政服务
    "elderly",  # 居家养老 (the "electronic nanny" network)
    "jobs",  # 技能培训与就业
    "health",  # 十分钟健康圈
    "mentoring",  # 党员一帮一
    "safety",  # 老党员治安巡逻
    "information",  # 政策与信息服务
    "repairs",  # 维修与公用事业
)

# A household's difficulty type: 特困供养, 低保, 低保边缘, 支出型困难, 残疾, 孤寡老人, 其他.
DIFFICULTIES: tuple[str, ...] = (
    "extreme_poverty",
    "minimum_living",
    "near_minimum",
    "expense_hardship",
    "disability",
    "lonely_elderly",
    "other",
)


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    programme: str
    department: str
    time_limit_hours: int  # calendar hours; for a limit in working days, days × 24
    time_limit_days: int | None = None  # set: the limit is this many working days


def _days(code: str, zh: str, en: str, programme: str, department: str, days: int) -> Category:
    """A category whose limit is `days` working days."""
    return Category(code, zh, en, programme, department, days * 24, days)


CATALOGUE: tuple[Category, ...] = (
    _days("household.cleaning", "家政保洁", "Household cleaning", "household", "民政局", 3),
    Category("elderly.care", "居家养老照护", "Home elderly care", "elderly", "民政局", 24),
    Category("elderly.nanny", "电子保姆呼叫", "Electronic nanny alert", "elderly", "民政局", 2),
    Category(
        "elderly.checkin",
        "独居老人探访",
        "Check-in on an elder living alone",
        "elderly",
        "民政局",
        48,
    ),
    _days("jobs.training", "职业技能培训", "Job-skills training", "jobs", "人社局", 5),
    _days("jobs.placement", "就业推荐", "Job placement", "jobs", "人社局", 5),
    Category(
        "health.basic",
        "十分钟健康圈基本诊疗",
        "Ten-minute health circle: basic care",
        "health",
        "卫健局",
        24,
    ),
    Category(
        "health.free_care",
        "困难群众免费诊疗",
        "Free basic care for the poorest",
        "health",
        "卫健局",
        48,
    ),
    _days(
        "mentoring.visit",
        "党员一帮一走访",
        "One-helps-one mentoring visit",
        "mentoring",
        "组织部",
        5,
    ),
    _days("mentoring.aid", "一帮一帮扶", "One-helps-one assistance", "mentoring", "组织部", 5),
    Category(
        "safety.patrol",
        "老党员治安巡逻",
        "Retired volunteers' safety patrol",
        "safety",
        "公安分局",
        24,
    ),
    Category("safety.hazard", "安全隐患", "Safety hazard", "safety", "应急管理局", 4),
    _days(
        "info.business",
        "企业政策咨询",
        "Business and policy information",
        "information",
        "工信局",
        3,
    ),
    Category(
        "info.resident",
        "居民政策咨询",
        "Policy information for residents",
        "information",
        "政务服务中心",
        48,
    ),
    Category("repair.water", "供水管道维修", "Water pipe repair", "repairs", "水务局", 4),
    Category("repair.power", "供电故障", "Power failure", "repairs", "供电公司", 4),
    Category("repair.heating", "供暖报修", "Heating repair", "repairs", "热力公司", 12),
    Category("repair.gas", "燃气报修", "Gas repair", "repairs", "燃气公司", 2),
    Category("environment.sanitation", "环境卫生", "Sanitation", "repairs", "城管局", 24),
    _days("other.general", "其他诉求", "Other requests", "information", "区社会治理服务委员会", 3),
)
