"""The server's side of the visit and door-record mutations declared in `shared/mutations`."""

from server.effects import ServerEffect, plain
from server.visits import records as _kinds  # noqa: F401  (declares the field records)
from server.visits import service
from shared import mutations as m

# The door records (check-ins, services, assistance) are field records: their effects come
# from their kinds (`server/visits/records.py`, gathered by `server/sync/effects.py`).
EFFECTS: dict[type, ServerEffect] = {
    m.VisitStart: plain(service.start),
    m.VisitComplete: plain(service.complete),
    m.ApprovalDecide: plain(service.decide),
    m.VisitAssign: plain(service.assign),
    m.VisitCancel: plain(service.cancel),
}
