"""What a client generator makes of /schema/openapi.json: `openapi-python-client` builds a client
with at most 2 warnings (the image bodies of the blob routes), and that client, imported as
generated, signs in, pulls, pushes and reads a typed 409 from the real server on loopback."""

import importlib
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.server import PASSWORD

GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("WARNING")]


@pytest.fixture
def generate(tmp_path):
    """Generates the client from the schema a running server serves; returns its package."""
    executable = GENERATOR if GENERATOR.exists() else shutil.which("openapi-python-client")
    if executable is None:
        pytest.skip("openapi-python-client is not installed (pip install -e '.[dev]')")
    added = []

    def make(base: str) -> str:
        (tmp_path / "openapi.json").write_bytes(httpx.get(f"{base}/schema/openapi.json").content)
        package = f"doorstep_client_{uuid.uuid4().hex[:8]}"
        done = subprocess.run(
            [
                str(executable),
                "generate",
                "--path",
                str(tmp_path / "openapi.json"),
                "--output-path",
                str(tmp_path / package),
                "--meta",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        warnings = _warnings(done.stdout + done.stderr)
        assert len(warnings) <= 2, "\n".join(warnings)
        assert all("/api/v1/blobs/" in line for line in warnings), warnings
        sys.path.insert(0, str(tmp_path))
        added.append(str(tmp_path))
        return package

    yield make
    for folder in added:
        sys.path.remove(folder)


def test_the_generated_client_signs_in_pulls_pushes_and_reads_a_typed_409(generate, live_url):
    generated = generate(live_url)

    def part(name: str):
        return importlib.import_module(f"{generated}.{name}")

    client = part("client")
    models = part("models")
    login = part("api.auth.api_v1_auth_login_login")
    pull = part("api.sync.api_v1_sync_pull_pull")
    push = part("api.sync.api_v1_sync_push_push")
    # Generated at last: its body and the hotline's were both titled AssignBody.
    assert part("api.visits.api_v1_visits_visit_id_assign_assign_visit").sync
    assert hasattr(models, "VisitsAssignBody") and hasattr(models, "HotlineAssignBody")

    device = uuid.uuid4()
    anonymous = client.Client(base_url=live_url)
    tokens = login.sync(
        client=anonymous,
        body=models.LoginBody(username="worker1", password=PASSWORD, device_id=device),
    )
    assert isinstance(tokens, models.TokensPublic), tokens
    wrong = login.sync_detailed(
        client=anonymous,
        body=models.LoginBody(username="worker1", password="not-the-password", device_id=device),
    )
    anonymous.get_httpx_client().close()
    assert wrong.status_code == 401 and isinstance(wrong.parsed, models.Problem)

    signed = client.AuthenticatedClient(base_url=live_url, token=tokens.access_token)
    page = pull.sync(client=signed, limit=500)
    assert isinstance(page, models.PullResponse), page
    residents = [c for c in page.changes if c.entity == "resident" and c.op.value == "put"]
    assert residents
    resident_id = residents[0].id

    def batch(seq: int):
        return models.PushRequest(
            protocol=models.PushRequestProtocol.VALUE_1,
            device_id=str(device),
            mutations=[
                models.Mutation(
                    seq=seq,
                    name="checkin.record",
                    args=models.MutationArgs.from_dict(
                        {
                            "id": str(uuid.uuid4()),
                            "resident_id": resident_id,
                            "at": "2026-11-27T09:30:00Z",
                            "seen_in_person": True,
                            "wellbeing": "good",
                            "notes": "生成的客户端",
                        }
                    ),
                    hlc=f"{1_764_288_000_000 + seq}:00000:generated",
                )
            ],
        )

    pushed = push.sync(client=signed, body=batch(1))
    assert isinstance(pushed, models.PushResponse), pushed
    assert [r.status.value for r in pushed.results] == ["applied"]
    gap = push.sync_detailed(client=signed, body=batch(5))
    assert gap.status_code == 409
    assert isinstance(gap.parsed, models.Problem), gap.parsed
    assert gap.parsed.code == "seq_gap" and gap.parsed.expected == 2
    again = pull.sync(client=signed, cursor=page.cursor)
    signed.get_httpx_client().close()
    assert any(c.entity == "checkin" for c in again.changes)
