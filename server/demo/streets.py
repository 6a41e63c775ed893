"""The demo district's address library (标准地址库): plausible streets for its 99 communities.

Each subdistrict has its own road (`{名}路`, e.g. 解放路 in 解放街道, all in its first
community) and a long avenue (`{名}大街`) that passes through every one of its communities,
each holding a stretch of 80 building numbers; each community has two small streets of its
own (路, 街, 巷, 胡同 or 里). Drawn from a generator of its own, so the demo's other random
draws are untouched.
"""

import random

from server.addresses.tables import StreetAddress
from server.demo import names
from server.org.tables import OrgUnit
from shared.enums import OrgLevel

# Words of northern Chinese street names (those the org tree's names use are left out).
_WORDS = (
    "文化 育才 工农 民主 团结 青年 体育 学府 桃源 柳荫 槐树 杏林 松柏 榆树 银杏 丁香 海棠 "
    "石榴 枣园 南京 北京 上海 天津 黄山 泰山 华山 嵩山 衡山 太行 燕山 昆仑 西湖 洞庭 鄱阳 "
    "太湖 站前 公园 粮库 纺织 机床 电厂 煤建 邮电 育英 桥西 河沿 仓前 书院 钟楼 鼓楼"
).split()
WORDS = [w for w in _WORDS if w not in names.COMMUNITY_WORDS and w not in names.SUBDISTRICTS]
KINDS = ("路", "街", "巷", "胡同", "里")
AVENUE_STRETCH = 80  # building numbers of the avenue in each community


def library(units: dict[str, OrgUnit]) -> list[StreetAddress]:
    """The library's rows for the demo's org tree (`units` by code)."""
    rng = random.Random("doorstep-streets")
    streets = [w + k for w in WORDS for k in KINDS]
    rng.shuffle(streets)
    own = iter(streets)
    rows: list[StreetAddress] = []
    subdistricts = sorted(u for u in units if units[u].level == OrgLevel.SUBDISTRICT)
    for code in subdistricts:
        word = units[code].name.removesuffix("街道")
        communities = sorted(
            c for c in units if units[c].level == OrgLevel.COMMUNITY and c.startswith(code + "-")
        )
        first = units[communities[0]]
        rows.append(StreetAddress(community_id=first.id, street=f"{word}路", first=1, last=200))
        for index, c in enumerate(communities):
            unit = units[c]
            low = index * AVENUE_STRETCH + 1
            rows.append(
                StreetAddress(
                    community_id=unit.id,
                    street=f"{word}大街",
                    first=low,
                    last=low + AVENUE_STRETCH - 1,
                )
            )
            for _ in range(2):
                rows.append(
                    StreetAddress(
                        community_id=unit.id,
                        street=next(own),
                        first=1,
                        last=rng.choice((36, 48, 60, 88, 120, 160)),
                    )
                )
    return rows
