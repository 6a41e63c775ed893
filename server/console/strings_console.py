"""The console's words for an office that uses it all day: forms, roles, errors, the
dashboard's range and satisfaction rate, mentoring (一帮一)."""

STRINGS: dict[str, tuple[str, str]] = {
    "address_unplaced": (
        "地址未能匹配到任何社区，请选择负责的社区",
        "The address matches no community: choose the community that answers for it",
    ),
    "choose_community": ("请选择社区", "Choose a community"),
    "assignee": ("办理人", "Assignee"),
    "no_assignee": ("该社区暂无可分派的网格员", "Nobody in this community may take the work"),
    "feedback_note": ("告知内容", "What the resident was told"),
    "score": ("评分", "Score"),
    "r_worker": ("网格员", "Grid worker"),
    "r_mentor": ("帮扶党员", "Mentor"),
    "r_supervisor": ("主任", "Supervisor"),
    "r_dispatcher": ("调度员", "Dispatcher"),
    "r_admin": ("管理员", "Administrator"),
    "alert_note": ("{name}：探访应于{due}完成，仍未完成", "{name}: a visit due {due} is not done"),
    "e_unauthorized": ("请重新登录", "Please sign in again"),
    "e_method_not_allowed": ("不能这样打开此页面", "This page cannot be opened this way"),
    "e_bad_date": ("日期格式不正确（应为 年-月-日）", "A date is not valid (use year-month-day)"),
}
STRINGS |= {
    "mentoring": ("一帮一", "Mentoring"),
}
STRINGS |= {
    "date_from": ("起始日期", "From"),
    "date_to": ("截止日期", "To"),
    "satisfaction_rate": ("满意率", "Satisfaction rate"),
    "satisfaction": ("平均评分", "Average rating"),
}
STRINGS |= {
    "look_alikes": (
        "已有居民与来电人姓名或电话相同：是其中一位吗？",
        "Known residents have the caller's name or phone: is it one of them?",
    ),
    "resident_new": ("新居民（不关联已有居民）", "A new resident (not one already known)"),
    "resident_none": ("请搜索后选择，或选“新居民”", "Search and pick, or choose a new resident"),
    "resident_search": ("查找居民", "Find a resident"),
    "resident_search_hint": ("姓名、电话或地址", "Name, phone or address"),
    "address_no_match": (
        "地址未能匹配到任何社区。请修改地址，或确认由区级派单时选择社区。",
        "The address matches no community. Correct it, or confirm and choose the community "
        "when dispatching.",
    ),
    "confirm_unplaced": (
        "确认登记，派单时选择社区",
        "Register it; choose the community when dispatching",
    ),
}
STRINGS |= {
    "mentoring_title": ("一帮一结对帮扶", "Mentoring (one helps one)"),
    "pair": ("结对", "Pair"),
    "family": ("帮扶家庭", "Family"),
    "family_choose": ("请先查找居民", "Find a resident first"),
    "families": ("结对家庭", "Mentored families"),
    "mentor": ("帮扶党员", "Mentor"),
    "interval_days": ("走访间隔（天）", "Days between visits"),
    "first_due": ("首次走访日期", "First visit on"),
    "rhythm": ("走访频次", "Rhythm"),
    "every_days": ("每{days}天", "every {days} days"),
    "next_visit": ("下次走访", "Next visit"),
    "visits_done": ("已走访", "Visits done"),
    "visits_open": ("待走访", "Visits open"),
    "assistance_count": ("帮扶次数", "Help given"),
    "assistance_cny": ("帮扶金额", "Amount"),
    "assistance": ("帮扶记录", "Assistance"),
    "assistance_kind": ("帮扶内容", "Kind of help"),
    "amount": ("金额", "Amount"),
    "mentoring_visits": ("走访记录", "Mentoring visits"),
    "done_at": ("完成时间", "Done"),
    "end_pair": ("解除结对", "End the pairing"),
    "v_assigned": ("待走访", "To do"),
    "v_in_progress": ("走访中", "Under way"),
    "v_completed": ("已完成待审核", "Done, to approve"),
    "v_returned": ("已退回", "Sent back"),
    "v_approved": ("已审核", "Approved"),
    "v_cancelled": ("已取消", "Cancelled"),
    "e_not_a_mentor": (
        "只能由该家庭所在社区的帮扶党员结对",
        "Only a mentor of the family's community can be paired with it",
    ),
}
STRINGS |= {
    "e_visit_closed": (
        "该事项已处理完毕（可能已在其他窗口操作），请刷新页面",
        "This was already dealt with (perhaps in another tab): reload the page",
    ),
    "e_not_assignee": ("该任务已不再分派给您", "This work is no longer yours"),
    "e_duplicate_id": ("该记录已存在", "This record already exists"),
}
STRINGS |= {
    "search": ("查找", "Search"),
    "found_n": ("找到{n}位居民", "{n} residents found"),
}
STRINGS |= {"visit_due": ("应走访时间", "Due")}
