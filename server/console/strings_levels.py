"""The console's words for the hotline's levels: subdistrict offices, member departments,
inspectors (纪检监察) and their supervision notes (督办), in Chinese and English."""

STRINGS: dict[str, tuple[str, str]] = {
    "my_queue": ("本级待办", "My queue"),
    "my_queue_office": ("{unit}待办", "Queue of {unit}"),
    "my_queue_department": ("{department}待办", "Queue of {department}"),
    "inspection": ("纪检督办", "Inspection"),
    "inspection_list": (
        "超时或评价不满意的诉求",
        "Requests overdue or rated poorly",
    ),
    "route": ("转派", "Send on"),
    "route_to_unit": ("派往街道或社区", "To a subdistrict or community"),
    "route_to_department": ("派往成员单位（可选）", "To a member department (optional)"),
    "route_note": ("派单说明", "Note"),
    "no_unit": ("（不指定）", "(none)"),
    "no_department": ("（不指定）", "(none)"),
    "held_by": ("当前承办", "Held by"),
    "routed_department": ("承办部门", "Department"),
    "dept_accept": ("签收", "Accept"),
    "dept_resolve": ("办结反馈", "Report done"),
    "dept_transfer": ("转其他部门", "Transfer"),
    "dept_return": ("退回派单单位", "Return"),
    "dept_transfer_to": ("转至部门", "Transfer to"),
    "result": ("办理结果", "What was done"),
    "return_reason": ("退回原因（必填）", "Reason for returning (required)"),
    "supervision_notes": ("督办意见", "Supervision notes"),
    "add_note": ("发出督办", "Send a supervision note"),
    "note_text": ("督办意见", "Note"),
    "answer": ("回复督办", "Answer"),
    "answer_text": ("回复内容", "Answer"),
    "unanswered": ("待回复", "Waiting for an answer"),
    "answered_by_at": ("{time} 回复", "Answered {time}"),
    "overdue_yes": ("已超时", "Overdue"),
    "rated_poorly": ("评价不满意", "Rated poorly"),
    "why_listed": ("原因", "Why"),
    "open_notes": ("未回复督办", "Unanswered notes"),
    "l_department": ("部门", "Department"),
    "lang_code": ("zh", "en"),  # which of a step's department names to show
    "r_department": ("成员单位", "Member department"),
    "r_inspector": ("纪检监察", "Inspector"),
    # The request list's CSV: headers and values.
    "csv_number": ("编号", "Number"),
    "csv_status": ("状态", "Status"),
    "csv_overdue": ("是否超时", "Overdue"),
    "csv_level": ("层级", "Level"),
    "csv_category": ("类别", "Category"),
    "csv_community": ("社区", "Community"),
    "csv_department": ("承办部门", "Department"),
    "csv_held_by": ("当前承办", "Held by"),
    "csv_channel": ("渠道", "Channel"),
    "csv_caller_name": ("来电人", "Caller"),
    "csv_address": ("地址", "Address"),
    "csv_received_at": ("受理时间", "Received"),
    "csv_due_at": ("办结时限", "Due"),
    "csv_closed_at": ("关闭时间", "Closed"),
    "csv_rating": ("评价", "Rating"),
    "csv_escalations": ("升级次数", "Escalations"),
    "csv_yes": ("是", "yes"),
    "csv_no": ("否", "no"),
    # Timeline steps added by the levels, and their facts.
    "a_accepted": ("部门签收", "Accepted by the department"),
    "a_transferred": ("转办", "Transferred"),
    "a_returned": ("退回", "Returned"),
    "a_supervised": ("督办", "Supervision note"),
    "a_answered": ("督办回复", "Note answered"),
    "n_sent_to_unit": ("派至{unit}", "Sent to {unit}"),
    "n_sent_to_department": ("交{department}办理", "Given to {department}"),
    "n_transferred": ("由{source}转至{target}", "From {source} to {target}"),
    "n_returned": ("{department}退回", "Returned by {department}"),
    "e_department_holds": (
        "该诉求由成员单位承办，不能分派给网格员",
        "A department holds this request: it is not given to a worker",
    ),
    "e_no_assignee": (
        "该社区没有可分派的网格员",
        "Nobody in this community may be given this request",
    ),
}


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
    return parts
