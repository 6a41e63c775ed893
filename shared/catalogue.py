"""The district's service programmes and request categories: data, loaded into the database once.

Each category has a time limit (hours from intake to resolution) and the department that answers
for it. The catalogue lives in the database after seeding and is edited there.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str
    programme: str
    department: str
    time_limit_hours: int


CATALOGUE: tuple[Category, ...] = (
    Category("household.cleaning", "家政保洁", "Household cleaning", "household", "民政局", 72),
    Category("elderly.care", "居家养老照护", "Home elderly care", "household", "民政局", 24),
    Category("elderly.nanny", "电子保姆呼叫", "Electronic nanny alert", "household", "民政局", 2),
    Category(
        "elderly.checkin",
        "独居老人探访",
        "Check-in on an elder living alone",
        "household",
        "民政局",
        48,
    ),
    Category("jobs.training", "职业技能培训", "Job-skills training", "jobs", "人社局", 168),
    Category("jobs.placement", "就业推荐", "Job placement", "jobs", "人社局", 120),
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
    Category(
        "mentoring.visit",
        "党员一帮一走访",
        "One-helps-one mentoring visit",
        "mentoring",
        "组织部",
        168,
    ),
    Category("mentoring.aid", "一帮一帮扶", "One-helps-one assistance", "mentoring", "组织部", 168),
    Category(
        "safety.patrol",
        "老党员治安巡逻",
        "Retired volunteers' safety patrol",
        "safety",
        "公安分局",
        24,
    ),
    Category("safety.hazard", "安全隐患", "Safety hazard", "safety", "应急管理局", 4),
    Category(
        "info.business",
        "企业政策咨询",
        "Business and policy information",
        "information",
        "工信局",
        72,
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
    Category("environment.sanitation", "环境卫生", "Sanitation", "environment", "城管局", 24),
    Category("other.general", "其他诉求", "Other requests", "other", "区社会治理服务委员会", 72),
)
