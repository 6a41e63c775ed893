"""A category's time limit in words, as the residents' pages and Open311 show it: "3 个工作日"
for a limit in working days (never its 72 calendar hours), "24 小时" for one in hours."""

from typing import Any

from shared import words


def limit_words(category: Any, language: str) -> str:
    """The limit alone ("3 个工作日" / "3 working days", "24 小时" / "24 h")."""
    if category.time_limit_days:
        return words.word("public.limit_days", language, n=category.time_limit_days)
    return words.word("public.hours", language, hours=category.time_limit_hours)


def notice_words(category: Any, language: str) -> str:
    """Open311's service notice ("办理时限 3 个工作日")."""
    return words.word("public.notice", language, limit=limit_words(category, language))
