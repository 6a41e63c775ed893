"""The console's words, in Simplified Chinese (default) and English."""

from server.console import strings_admin, strings_console, strings_proof
from server.console import strings_levels as levels
from server.console.strings_funds import STRINGS as FUNDS_STRINGS

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("幸福区社会治理服务平台", "District service platform"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "wrong_password": ("用户名或密码不正确", "Wrong username or password"),
    "queue": ("诉求受理", "Requests"),
    "supervise": ("督办", "Supervision"),
    "dashboard": ("数据看板", "Dashboard"),
    "language": ("English", "中文"),
    "new_request": ("登记新诉求", "Register a request"),
    "channel": ("渠道", "Channel"),
    "ch_phone": ("电话", "Phone"),
    "ch_web": ("网络", "Web"),
    "ch_walk_in": ("来访", "Walk-in"),
    "ch_app": ("网格员上报", "Worker's phone"),
    "caller_name": ("来电人", "Caller"),
    "caller_phone": ("联系电话", "Phone"),
    "address": ("地址", "Address"),
    "category": ("类别", "Category"),
    "description": ("诉求内容", "Description"),
    "resident": ("居民（可选）", "Resident (optional)"),
    "register": ("登记", "Register"),
    "number": ("编号", "Number"),
    "status": ("状态", "Status"),
    "level": ("层级", "Level"),
    "community": ("社区", "Community"),
    "received_at": ("受理时间", "Received"),
    "due_at": ("办结时限", "Due"),
    "overdue": ("超时", "Overdue"),
    "export_csv": ("导出CSV", "Export CSV"),
    "dispatch": ("派单", "Dispatch"),
    "assign": ("分派", "Assign"),
    "verify": ("核实通过", "Verify"),
    "send_back": ("退回重办", "Send back"),
    "reason": ("原因", "Reason"),
    "feedback": ("回访告知", "Tell the resident"),
    "rating": ("满意度评价", "Rating"),
    "rate": ("记录评价", "Record rating"),
    "comment": ("评价内容", "Comment"),
    "timeline": ("办理过程", "Timeline"),
    "department": ("责任部门", "Department"),
    "save": ("保存", "Save"),
    "all": ("全部", "All"),
    "total": ("总量", "Total"),
    "open": ("未办结", "Open"),
    "median_hours": ("办结时长中位数（小时）", "Median hours to resolve"),
    "satisfaction": ("满意度", "Satisfaction"),
    "by_category": ("按类别", "By category"),
    "by_level": ("按层级", "By level"),
    "by_subdistrict": ("按街道", "By subdistrict"),
    "by_department": ("按职能部门", "By department"),
    "department_col": ("职能部门", "Department"),
    "dash_no_department": ("未交部门办理", "Not sent to a department"),
    "by_community": ("按社区", "By community"),
    "to_verify": ("待核实", "Waiting to verify"),
    "behind": ("超时未办", "Overdue, by who is behind"),
    "nothing": ("暂无", "Nothing here"),
    "s_received": ("已受理", "Received"),
    "s_dispatched": ("已派单", "Dispatched"),
    "s_assigned": ("已分派", "Assigned"),
    "s_in_progress": ("办理中", "In progress"),
    "s_resolved": ("已办结待核实", "Resolved"),
    "s_verified": ("已核实", "Verified"),
    "s_feedback_given": ("已回访", "Resident told"),
    "s_closed": ("已关闭", "Closed"),
    "l_community": ("社区", "Community"),
    "l_subdistrict": ("街道", "Subdistrict"),
    "l_district": ("区", "District"),
    "error": ("操作未完成", "Not done"),
    "back": ("返回", "Back"),
    # Why a form or page was refused, by problem code (`e_other` for any other code).
    "e_invalid_request": (
        "填写的内容不符合要求（格式、长度或取值有误），请检查后重试",
        "Something entered is not valid (its form, length or value). Check it and try again.",
    ),
    "e_unknown_category": ("没有这个诉求类别", "There is no such category"),
    "e_not_found": ("没有找到，或不在您的管辖范围内", "Not found, or not in your area"),
    "e_forbidden": ("您没有权限进行此操作", "You may not do this"),
    "e_out_of_scope": ("超出您的管辖范围", "This is outside your area"),
    "e_invalid_transition": (
        "当前状态下不能进行此操作",
        "This cannot be done in the current state",
    ),
    "e_community_required": ("请选择负责的社区", "Say which community answers for this"),
    "e_reason_required": ("请填写原因", "Give a reason"),
    "e_csrf_failed": ("页面已过期，请刷新后重试", "The page has expired. Reload it and try again."),
    "e_conflict": ("与现有数据冲突，请刷新后重试", "This conflicts with a change made meanwhile"),
    "e_payload_too_large": ("提交的内容过长", "What was sent is too long"),
    "e_other": ("操作未能完成", "This could not be done"),
    "alerts": ("预警", "Alerts"),
    "alert_missed_visit": ("探访逾期未完成", "Planned visit missed"),
    "unplaced": ("未分派", "Not placed yet"),
    "filter": ("筛选", "Filter"),
    "when": ("时间", "When"),
    "who": ("办理人", "By"),
    "step": ("环节", "Step"),
    "note": ("说明", "Note"),
    # Timeline steps (RequestAction), who took them (ActorCode), and the facts they carry.
    "a_received": ("受理", "Received"),
    "a_dispatched": ("派单", "Dispatched"),
    "a_assigned": ("分派", "Assigned"),
    "a_started": ("开始办理", "Started"),
    "a_resolved": ("办结", "Resolved"),
    "a_verified": ("核实通过", "Verified"),
    "a_sent_back": ("退回重办", "Sent back"),
    "a_feedback_given": ("回访告知", "Resident told"),
    "a_rated": ("评价", "Rated"),
    "a_closed": ("关闭", "Closed"),
    "a_reopened": ("重新派单", "Reopened"),
    "a_escalated": ("超时升级", "Escalated"),
    "actor_user": ("工作人员", "Staff"),
    "actor_system": ("系统", "System"),
    "actor_caller": ("来电人", "The caller"),
    "n_received": ("经{channel}受理", "Received by {channel}"),
    "n_dispatched": ("派至{community}", "Sent to {community}"),
    "n_department": ("责任部门：{department}", "department: {department}"),
    "n_assigned": ("分派给{name}", "Given to {name}"),
    "n_rated": ("评分{score}/5", "Score {score}/5"),
    "n_reopened_poor_rating": ("评价不满意，重新派单", "Rated poorly: dispatched again"),
    "n_escalated": ("超时，升级至{level}", "Overdue: escalated to the {level}"),
    "n_pressed": ("超时，区级督办", "Overdue: the district presses for action"),
}
STRINGS.update(FUNDS_STRINGS)

STRINGS.update(strings_admin.STRINGS)  # the admin pages' words
STRINGS.update(strings_proof.STRINGS)
STRINGS |= strings_console.STRINGS
STRINGS.update(levels.STRINGS)


def translator(language: str):
    """`tr(key, **values)`: the key's words in the language, with `values` filled in. A key
    without words comes back as itself (a test keeps every key the console uses covered)."""
    index = 0 if language == "zh" else 1

    def tr(key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        if pair is None:
            return key
        return pair[index].format(**values) if values else pair[index]

    return tr


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
        case "reopened" if params.get("reason") == "poor_rating":
            parts.append(tr("n_reopened_poor_rating"))
        case "escalated" if params.get("level"):
            if params.get("raised"):
                parts.append(tr("n_escalated", level=tr("l_" + params["level"])))
            else:
                parts.append(tr("n_pressed"))
    parts.extend(levels.describe_levels(event, tr))
    if event.note:
        parts.append(event.note)
    return " · ".join(parts)


def actor_name(event, tr) -> str:
    """Who took a step: the person's name, or the words for the system or the caller."""
    if event.actor_code == "user" and event.actor_id is not None:
        return event.actor
    return tr("actor_" + event.actor_code)
