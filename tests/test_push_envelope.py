"""The push envelope (`server.sync.service.parse_push`) refused in the contract's order: size,
JSON, object, protocol, shape, count, seqs. A plain function of the body: no database."""

import json

import pytest

from server.errors import ProblemError
from server.sync.service import parse_push
from shared import protocol

DEVICE = "00000000-0000-0000-0000-000000000001"
STAMP = "1764288000000:00000:phone"


def body(seqs=(1,), version=protocol.PROTOCOL_VERSION, **extra) -> bytes:
    mutations = [{"seq": s, "name": "visit.start", "args": {}, "hlc": STAMP} for s in seqs]
    envelope = {"protocol": version, "device_id": DEVICE, "mutations": mutations, **extra}
    return json.dumps(envelope).encode()


def refused(raw: bytes) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        parse_push(raw)
    return caught.value


@pytest.mark.parametrize("seqs", [(), (1,), (1, 2, 3), (7, 8), tuple(range(1, 501))])
def test_consecutive_seqs_from_one_up_are_taken(seqs):
    request = parse_push(body(seqs))
    assert [m.seq for m in request.mutations] == list(seqs)
    assert request.device_id == DEVICE and request.protocol == protocol.PROTOCOL_VERSION


@pytest.mark.parametrize("seqs", [(0,), (0, 1), (-3,)])
def test_seqs_below_one_are_malformed(seqs):
    # The schema says seq ≥ 1: 400, as for any body that breaks it.
    error = refused(body(seqs))
    assert (error.status, error.code) == (400, "invalid_request")
    assert "Expected `int` >= 1" in error.detail


@pytest.mark.parametrize("seqs", [(1, 3), (2, 1), (1, 1), (1, 2, 4)])
def test_seqs_that_skip_or_repeat_are_refused_by_the_rule(seqs):
    # Well-formed (no schema can say it), so a rule's refusal: 422.
    error = refused(body(seqs))
    assert (error.status, error.code) == (422, "invalid_request")
    assert error.detail == "Seqs in a batch must be consecutive."


def test_more_than_the_most_mutations_is_too_large():
    error = refused(body(range(1, protocol.MAX_MUTATIONS_PER_PUSH + 2)))
    assert (error.status, error.code) == (413, "payload_too_large")
    assert error.detail == "A push may carry at most 500 mutations."


def test_a_body_over_the_limit_is_refused_before_it_is_read():
    raw = body() + b" " * (protocol.MAX_PUSH_BYTES - len(body()) + 1)
    assert len(raw) == protocol.MAX_PUSH_BYTES + 1
    error = refused(raw)
    assert (error.status, error.code, error.detail) == (
        413,
        "payload_too_large",
        "A push may carry at most 1 MiB.",
    )
    # At the limit exactly it is read.
    assert parse_push(raw[:-1]).mutations[0].seq == 1


def test_an_old_protocol_is_asked_to_update():
    error = refused(body(version=protocol.PROTOCOL_VERSION - 1))
    assert (error.status, error.code) == (426, "unsupported_protocol")
    assert error.detail == "This app speaks an old sync protocol. Please update the app."
    assert error.extra == {"supported": [protocol.PROTOCOL_VERSION]}
    # A body without a version is an old app too, however it is shaped.
    assert refused(b'{"mutations": 5}').code == "unsupported_protocol"


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{not json", "The body is not JSON."),
        (b"[1, 2]", "The body must be a JSON object."),
        (b"\xff\xfe", "The body is not UTF-8 text."),
    ],
)
def test_what_is_not_a_json_object_is_refused(raw, detail):
    error = refused(raw)
    assert (error.status, error.code, error.detail) == (400, "invalid_request", detail)


@pytest.mark.parametrize(
    "raw",
    [
        body(surplus=True),  # unknown field
        json.dumps({"protocol": protocol.PROTOCOL_VERSION, "device_id": DEVICE}).encode(),
        json.dumps(
            {"protocol": protocol.PROTOCOL_VERSION, "device_id": DEVICE, "mutations": [{}]}
        ).encode(),
    ],
)
def test_what_is_not_a_push_request_is_refused(raw):
    error = refused(raw)
    assert (error.status, error.code) == (400, "invalid_request")
    assert error.detail.startswith("Not a push request: ")


def test_a_whole_number_written_with_a_point_is_an_integer():
    # JSON Schema's integer includes 413.0 (the fuzzer sends it); 1.5 is not one.
    request = parse_push(body((412.0, 413.0)))
    assert [m.seq for m in request.mutations] == [412, 413]
    assert all(type(m.seq) is int for m in request.mutations)
    error = refused(body((1.5,)))
    assert (error.status, error.code) == (400, "invalid_request")
