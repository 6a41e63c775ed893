"""The district's 35 member departments (成员单位): data, loaded into the database by the demo.

Each has a code (`DEP01`…), its Chinese and English names, and the service categories it
answers for by default (the catalogue's `department` names it by its Chinese name).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Department:
    code: str
    name_zh: str
    name_en: str


DEPARTMENTS: tuple[Department, ...] = tuple(
    Department(f"DEP{index:02d}", zh, en)
    for index, (zh, en) in enumerate(
        (
            ("水务局", "Water Authority"),
            ("热力公司", "Heating Company"),
            ("燃气公司", "Gas Company"),
            ("供电公司", "Power Supply Company"),
            ("民政局", "Civil Affairs Bureau"),
            ("卫健局", "Health Commission"),
            ("人社局", "Human Resources and Social Security Bureau"),
            ("城管局", "Urban Management Bureau"),
            ("公安分局", "Public Security Sub-bureau"),
            ("住建局", "Housing and Construction Bureau"),
            ("交通局", "Transport Bureau"),
            ("教育局", "Education Bureau"),
            ("市场监管局", "Market Regulation Bureau"),
            ("生态环境分局", "Ecology and Environment Sub-bureau"),
            ("应急管理局", "Emergency Management Bureau"),
            ("司法局", "Justice Bureau"),
            ("信访局", "Letters and Visits Bureau"),
            ("组织部", "Organisation Department"),
            ("工信局", "Industry and Information Technology Bureau"),
            ("政务服务中心", "Government Services Centre"),
            ("区社会治理服务委员会", "District Social Governance Committee"),
            ("财政局", "Finance Bureau"),
            ("发改委", "Development and Reform Commission"),
            ("自然资源分局", "Natural Resources Sub-bureau"),
            ("农业农村局", "Agriculture and Rural Affairs Bureau"),
            ("商务局", "Commerce Bureau"),
            ("文旅局", "Culture and Tourism Bureau"),
            ("退役军人事务局", "Veterans Affairs Bureau"),
            ("医保局", "Medical Insurance Bureau"),
            ("统计局", "Statistics Bureau"),
            ("残联", "Disabled Persons' Federation"),
            ("妇联", "Women's Federation"),
            ("团区委", "Communist Youth League District Committee"),
            ("总工会", "Federation of Trade Unions"),
            ("消防救援大队", "Fire and Rescue Brigade"),
        ),
        start=1,
    )
)
WATER = "DEP01"  # the demo's `dept_water`


def code_for_name(name: str) -> str | None:
    """The code of the department a category names by its Chinese name, if it is a member."""
    return next((d.code for d in DEPARTMENTS if d.name_zh == name), None)
