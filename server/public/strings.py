"""The residents' pages' words, in Simplified Chinese (first) and English. The JSON twin of the
pages puts the Chinese words next to the codes."""

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("幸福区民生服务", "District residents' services"),
    "hotline": ("有事找我 · 民生热线", "Residents' hotline"),
    "language": ("English", "中文"),
    "nav_report": ("我要反映", "Report a problem"),
    "nav_catalogue": ("服务目录", "Services"),
    "report_title": ("反映问题", "Report a problem"),
    "report_intro": (
        "填写下面的表格，我们会把问题派给您所在社区或相关部门办理。提交后请保存查询链接。",
        "Fill in the form: we send the problem to your community or the right department. "
        "Keep the tracking link you get.",
    ),
    "caller_name": ("您的称呼", "Your name"),
    "caller_phone": ("联系电话", "Your phone number"),
    "address": ("问题地址（请写明社区、楼号）", "Address (community, building)"),
    "category": ("问题类别", "Kind of problem"),
    "description": ("具体情况", "What is wrong"),
    "choose": ("请选择", "Choose"),
    "submit": ("提交", "Send"),
    "privacy": (
        "您的电话只用于办理人员联系您，不会公开。",
        "Your phone number is only for the staff handling it; it is never shown to anyone else.",
    ),
    "received_title": ("已收到您的诉求", "We have your request"),
    "your_number": ("诉求编号", "Request number"),
    "your_link": ("您的专属查询链接", "Your private tracking link"),
    "keep_link": (
        "请收藏或截图保存此链接，凭它查看办理进度和评价。不要发给他人。",
        "Bookmark or save this link: it shows the progress and lets you rate the result. "
        "Do not share it.",
    ),
    "track_title": ("办理进度", "Progress"),
    "status": ("当前状态", "Status"),
    "community": ("承办社区", "Community"),
    "not_placed": ("区平台正在分派", "Being placed by the district"),
    "received_at": ("受理时间", "Received"),
    "due_at": ("办结时限", "Due by"),
    "timeline": ("办理过程", "Steps"),
    "when": ("时间", "When"),
    "who": ("经办", "By"),
    "step": ("环节", "Step"),
    "note": ("说明", "Note"),
    "rate_title": ("请您评价", "Rate the result"),
    "rate_intro": (
        "问题解决了吗？1–2 分表示不满意，我们会重新派单办理。",
        "Was it solved? A score of 1 or 2 means no: it will be handled again.",
    ),
    "score": ("评分", "Score"),
    "score_5": ("5 非常满意", "5 very satisfied"),
    "score_4": ("4 满意", "4 satisfied"),
    "score_3": ("3 基本满意", "3 fair"),
    "score_2": ("2 不满意", "2 not satisfied"),
    "score_1": ("1 非常不满意", "1 not at all"),
    "comment": ("评价意见（可不填）", "Comment (optional)"),
    "rate": ("提交评价", "Send rating"),
    "rated": ("您的评分：{score}/5", "Your score: {score}/5"),
    "thanks": ("感谢您的评价。", "Thank you for your rating."),
    "catalogue_title": ("服务目录与办理时限", "Services and their time limits"),
    "service": ("服务事项", "Service"),
    "department": ("责任部门", "Department"),
    "time_limit": ("办理时限", "Time limit"),
    "hours": ("{hours} 小时", "{hours} h"),
    "workstation_title": ("查找社区工作站", "Find your community workstation"),
    "your_community": ("所在社区", "Your community"),
    "find": ("查询", "Look up"),
    "workstation": ("社区工作站", "Workstation"),
    "service_office": ("街道服务办公室", "Subdistrict service office"),
    "workstation_name": ("{community}工作站", "{community} workstation"),
    "office_name": ("{subdistrict}服务办公室", "{subdistrict} service office"),
    "back": ("返回首页", "Back to the start"),
    "error_title": ("未能办理", "Not done"),
    # Open311 answers' words: the agency, the notice, the caller of a request without names.
    "district_platform": ("区社会治理服务中心", "District social-governance service centre"),
    "notice": ("办理时限 {hours} 小时", "To be done within {hours} hours"),
    "open311_caller": ("Open311 来件（{name}）", "Open311 ({name})"),
    # Status words (RequestStatus).
    "s_received": ("已受理", "Received"),
    "s_dispatched": ("已派单", "Sent to the community"),
    "s_assigned": ("已安排人员", "Someone is assigned"),
    "s_in_progress": ("办理中", "Being handled"),
    "s_resolved": ("已办结，待核实", "Done, being checked"),
    "s_verified": ("已核实", "Checked"),
    "s_feedback_given": ("已回访，待您评价", "Waiting for your rating"),
    "s_closed": ("已关闭", "Closed"),
    # Steps (RequestAction).
    "a_received": ("受理", "Received"),
    "a_dispatched": ("派单", "Sent on"),
    "a_assigned": ("安排人员", "Assigned"),
    "a_started": ("上门办理", "Work started"),
    "a_resolved": ("办结", "Done"),
    "a_verified": ("核实", "Checked"),
    "a_sent_back": ("退回重办", "Sent back to be redone"),
    "a_feedback_given": ("回访", "You were told"),
    "a_rated": ("评价", "Rated"),
    "a_closed": ("关闭", "Closed"),
    "a_reopened": ("重新办理", "Reopened"),
    "a_escalated": ("超时督办", "Overdue: raised"),
    "a_accepted": ("职能部门签收", "Accepted by the department"),
    "a_transferred": ("转交其他部门", "Passed to another department"),
    "a_returned": ("退回重新派单", "Returned to be sent on again"),
    "a_supervised": ("纪检督办", "Followed up by the inspectors"),
    "a_answered": ("督办已回复", "Follow-up answered"),
    # Who took a step: a role, never a name.
    "by_resident": ("您", "You"),
    "by_system": ("系统", "System"),
    "by_dispatcher": ("区平台", "District platform"),
    "by_supervisor": ("社区/街道负责人", "Supervisor"),
    "by_worker": ("社区网格员", "Community worker"),
    "by_mentor": ("帮扶干部", "Mentor"),
    "by_admin": ("区平台", "District platform"),
    "by_staff": ("工作人员", "Staff"),
    "n_dispatched": ("派至{community}", "Sent to {community}"),
    "n_rated": ("评分 {score}/5", "Score {score}/5"),
    # Why a page was refused, by problem code (`e_other` for any other code).
    "e_invalid_request": (
        "填写的内容不完整或格式有误，请检查后重新提交。",
        "Something is missing or not in the right form. Check it and send again.",
    ),
    "e_unknown_category": ("请选择问题类别。", "Choose the kind of problem."),
    "e_not_found": (
        "没有找到这个链接对应的诉求，请核对链接是否完整。",
        "No request has this link. Check that the link is complete.",
    ),
    "e_invalid_transition": (
        "目前还不能评价，或已经评价过了。",
        "A rating is not awaited now, or was given already.",
    ),
    "e_csrf_failed": (
        "页面已过期，请返回刷新后重新提交。",
        "The page has expired. Go back, reload it and send again.",
    ),
    "e_rate_limited": (
        "提交太频繁，请 {wait} 秒后再试。",
        "Too many attempts. Try again in {wait} seconds.",
    ),
    "e_payload_too_large": ("提交的内容过长。", "What was sent is too long."),
    "e_other": ("未能办理，请稍后再试。", "This could not be done. Try again later."),
}


def translator(language: str):
    """`tr(key, **values)`: the key's words in the language (Chinese unless "en")."""
    index = 1 if language == "en" else 0

    def tr(key: str, **values: object) -> str:
        pair = STRINGS.get(key)
        if pair is None:
            return key
        return pair[index].format(**values) if values else pair[index]

    return tr
