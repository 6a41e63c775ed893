"""The console's words at the edge: its `tr` (ids `console.<key>` in the one catalogue,
`shared/words.py`), and a request's timeline steps, stored as codes, put into words."""

from shared import words


def translator(language: str):
    """`tr(key, **values)`: the words of `console.<key>` in the language, `values` filled in.
    A key without words comes back as its id (a test keeps every key the console uses covered)."""
    return words.translator("console", language)


def describe(event, tr) -> str:
    """A timeline step's facts (`TimelineEventPublic.params`) and note, in words."""
    params = event.params
    parts: list[str] = []
    match event.action:
        case "received" if params.get("channel"):
            parts.append(tr("n_received", channel=tr("ch_" + params["channel"])))
        case "dispatched" if params.get("community"):
            parts.append(tr("n_dispatched", community=params.get("community_name", "")))
            if params.get("department"):
                parts.append(tr("n_department", department=params["department"]))
        case "assigned" if params.get("assignee_id"):
            parts.append(tr("n_assigned", name=params.get("assignee_name", "")))
        case "rated" if params.get("score"):
            parts.append(tr("n_rated", score=params["score"]))
        case "reopened" if params.get("reason") in ("poor_rating", "unsatisfied_callback"):
            parts.append(tr("n_reopened_" + params["reason"]))
            if params.get("level"):
                parts.append(tr("n_reopened_level", level=tr("l_" + params["level"])))
        case "callback" if params.get("method"):
            parts.extend(_callback(params, tr))
        case "merged":
            parts.append(tr("n_merged", number=params.get("main_number", "")))
        case "urged":
            parts.append(
                tr("n_urged", number=params.get("repeat_number", ""), urges=params.get("urges", 1))
            )
        case "noted" if params.get("field") == "department":
            parts.append(tr("n_noted_department"))
        case "escalated" if params.get("level"):
            if params.get("raised"):
                parts.append(tr("n_escalated", level=tr("l_" + params["level"])))
            else:
                parts.append(tr("n_pressed"))
    parts.extend(describe_levels(event, tr))
    if event.note:
        parts.append(event.note)
    return " · ".join(parts)


def _callback(params: dict, tr) -> list[str]:
    """A 回访's answers in words: how, reached or not, solved, satisfied."""
    parts = [tr("n_callback", method=tr("cb_" + params["method"]))]
    parts.append(tr("n_callback_reached" if params.get("reached") else "n_callback_unreached"))
    for answer in ("resolved", "satisfied"):
        if params.get(answer) is not None:
            parts.append(tr(f"n_callback_{'' if params[answer] else 'un'}{answer}"))
    return parts


def actor_name(event, tr) -> str:
    """Who took a step: the person's name, or the words for the system or the caller."""
    if event.actor_code == "user" and event.actor_id is not None:
        return event.actor
    return tr("actor_" + event.actor_code)


def department_name(params: dict, key: str, tr) -> str:
    """The department a step names, in the language: the timeline carries both names."""
    english = tr("lang_code") == "en"
    name = params.get(f"{key}_name_en" if english else f"{key}_name") or params.get(f"{key}_name")
    return str(name or params.get(key, ""))


def describe_levels(event, tr) -> list[str]:
    """The facts of the levels' steps, in words (`strings.describe` adds the note)."""
    params = event.params
    parts: list[str] = []
    match event.action:
        case "dispatched":
            if params.get("unit") and not params.get("community"):
                parts.append(tr("n_sent_to_unit", unit=params.get("unit_name", "")))
            if params.get("department_code"):
                name = department_name(params, "department_code", tr)
                parts.append(tr("n_sent_to_department", department=name))
        case "transferred":
            parts.append(
                tr(
                    "n_transferred",
                    source=department_name(params, "from_department", tr),
                    target=department_name(params, "department_code", tr),
                )
            )
        case "returned" if params.get("department_code"):
            parts.append(
                tr("n_returned", department=department_name(params, "department_code", tr))
            )
        case "extension_asked" | "extension_approved" | "extension_refused" if params.get("days"):
            parts.append(tr("n_extension_days", days=params["days"]))
    return parts
