"""The server's side of the visit and door-record mutations declared in `shared/mutations`."""

from server.effects import ServerEffect, plain
from server.visits import service
from shared import mutations as m

EFFECTS: dict[type, ServerEffect] = {
    m.CheckinRecord: plain(service.record_checkin),
    m.ServiceRecord: plain(service.record_service),
    m.AssistanceLog: plain(service.log_assistance),
    m.VisitStart: plain(service.start),
    m.VisitComplete: plain(service.complete),
    m.ApprovalDecide: plain(service.decide),
    m.VisitAssign: plain(service.assign),
    m.VisitCancel: plain(service.cancel),
}
