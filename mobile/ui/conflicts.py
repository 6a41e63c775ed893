"""The conflicts screen: values that did not stand (keep mine / accept) and refused changes,
each naming the resident and, for a visit, the visit."""

from kivy.factory import Factory

from mobile.ui.screens import ListScreen, app


class ConflictsScreen(ListScreen):
    def refresh(self) -> None:
        phone, tr = app().phone, app().tr
        self.heading = tr("conflicts")
        self.ids.entries.clear_widgets()
        conflicts = phone.conflicts()
        if not conflicts:
            self.add_text(tr("no_conflicts"))
        for conflict in conflicts:
            self.add_text(
                tr(
                    "conflict_named",
                    name=conflict.get("resident_name") or "?",
                    field=tr(f"field_{conflict['field']}"),
                    yours=_shown(conflict["yours"], tr),
                    kept=_shown(conflict["kept"], tr),
                )
            )
            if conflict.get("conflict_id"):
                row = Factory.BoxLayout(size_hint_y=None, height="48dp", spacing="4dp")
                for key, keep in (("keep_mine", True), ("accept", False)):
                    button = Factory.BigButton(text=tr(key))
                    button.bind(
                        on_release=lambda _b, c=conflict["conflict_id"], k=keep: self.settle(c, k)
                    )
                    row.add_widget(button)
                self.ids.entries.add_widget(row)
        rejections = phone.rejections()
        if rejections:
            self.add_text(tr("rejected"), color=(0.75, 0.1, 0.1, 1))
        for rejection in rejections:
            why = tr.refusal(rejection.get("code"), rejection.get("message", ""))
            about = " · ".join(
                part
                for part in (
                    rejection.get("resident_name"),
                    tr(f"kind_{rejection['visit_kind']}") if rejection.get("visit_kind") else "",
                    rejection.get("visit_title"),
                )
                if part
            )
            line = tr("rejected_about", about=about, why=why) if about else why
            self.add_text(f"• {line}", color=(0.75, 0.1, 0.1, 1))

    def settle(self, conflict_id: str, keep_mine: bool) -> None:
        app().phone.settle_conflict(conflict_id, keep_mine)
        self.refresh()


def _shown(value, tr) -> str:
    """A field's value as a person reads it (a yes/no field in words)."""
    if isinstance(value, bool):
        return tr("yes") if value else tr("no")
    return "" if value is None else str(value)


SCREENS = [ConflictsScreen]
