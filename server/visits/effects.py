"""The server's side of the visit and door-record mutations declared in `shared/mutations`."""

from server.effects import ServerEffect, plain
from server.visits import records, service
from shared import mutations as m

EFFECTS: dict[type, ServerEffect] = {
    m.CheckinRecord: plain(records.record_checkin),
    m.ServiceRecord: plain(records.record_service),
    m.AssistanceLog: plain(records.log_assistance),
    m.VisitStart: plain(service.start),
    m.VisitComplete: plain(service.complete),
    m.ApprovalDecide: plain(service.decide),
    m.VisitAssign: plain(service.assign),
    m.VisitCancel: plain(service.cancel),
}
