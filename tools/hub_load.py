"""Load on a running hub: N students at once, each spawning a server and running a notebook.

    python tools/hub_load.py HUB_URL API_TOKEN [USERS] [NOTEBOOK]

The token is a hub service's (deploy/hub/jupyterhub_config.py adds one when CNNLAB_HUB_SERVICE_TOKEN
is set). For every user it prints the seconds from the spawn request to the first answer of a
kernel ("time to first working kernel"), the seconds the notebook's code cells took, and the
memory of that user's server and kernel (proportional set size: shared libraries are split
between the processes that map them, so the figures add up to what the machine spends).
"""

import asyncio
import json
import struct
import sys
import time
import uuid
from pathlib import Path

import nbformat
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect


async def _api(url: str, token: str, method: str = "GET", body=None):
    request = HTTPRequest(url, method=method, headers={"Authorization": f"token {token}"},
                          body=json.dumps(body) if body is not None else (b"" if method == "POST" else None),
                          request_timeout=300)
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    return response.code, json.loads(response.body or b"null")


async def _execute(channel, code: str) -> dict:
    """Send one execute_request; return its reply (after the kernel is idle again)."""
    msg_id = uuid.uuid4().hex
    await channel.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "load", "session": "load",
                   "version": "5.3"}, "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False}}))
    reply, idle = None, False
    while reply is None or not idle:
        message = _decode(await channel.read_message())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "execute_reply":
            reply = message["content"]
        idle = idle or (message["msg_type"] == "status" and message["content"]["execution_state"] == "idle")
    return reply


def _decode(raw) -> dict:
    """A kernel message from the websocket: text JSON, or Jupyter's binary frame (messages with
    buffers, e.g. a widget's picture): a count n, n offsets, then the JSON and the buffers."""
    if raw is None:
        raise ConnectionError("the kernel's websocket closed")
    if isinstance(raw, str):
        return json.loads(raw)
    count = struct.unpack("!I", raw[:4])[0]
    offsets = struct.unpack(f"!{count}I", raw[4:4 + 4 * count])
    return json.loads(raw[offsets[0]:offsets[1] if count > 1 else None])


def _memory_mb(pids: set[int]) -> float:
    """Proportional set size of a server and its descendants (its kernels), in MB."""
    family, changed = set(pids), True
    while changed:
        changed = False
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            parent = int(text.split("PPid:")[1].split()[0])
            pid = int(status.parent.name)
            if parent in family and pid not in family:
                family.add(pid)
                changed = True
    total = 0
    for pid in family:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            total += int(rollup.split("Pss:")[1].split()[0])          # kB
        except (OSError, IndexError):
            pass
    return total / 1024


async def one_student(hub: str, token: str, name: str, cells: list[str]) -> dict:
    started = time.monotonic()
    await _api(f"{hub}/hub/api/users/{name}", token, "POST")
    await _api(f"{hub}/hub/api/users/{name}/server", token, "POST")
    while True:
        _, user = await _api(f"{hub}/hub/api/users/{name}", token)
        if user and user.get("servers", {}).get("", {}).get("ready"):
            break
        await asyncio.sleep(0.25)
    code, kernel = await _api(f"{hub}/user/{name}/api/kernels", token, "POST", {"name": "python3"})
    assert code == 201, (code, kernel)
    ws_url = hub.replace("http", "ws", 1) + f"/user/{name}/api/kernels/{kernel['id']}/channels"
    # tornado's 20 s default is too short when a whole class starts its kernels on two cores at once;
    # the test's budget for the first kernel (180 s) is what decides
    channel = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"},
                                                  connect_timeout=180, request_timeout=180))
    assert (await _execute(channel, "1 + 1"))["status"] == "ok"
    first_kernel = time.monotonic() - started
    begin, errors = time.monotonic(), []
    for cell in cells:
        reply = await _execute(channel, cell)
        if reply["status"] != "ok":
            errors.append(f"{reply.get('ename')}: {reply.get('evalue')}")
    ran = time.monotonic() - begin
    channel.close()
    return {"user": name, "first_kernel_s": round(first_kernel, 1), "notebook_s": round(ran, 1),
            "errors": errors}


async def measure(hub: str, token: str, users: int, notebook: Path) -> list[dict]:
    nb = nbformat.read(notebook, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    results = await asyncio.gather(*(one_student(hub, token, f"student{i + 1}", cells) for i in range(users)))
    for result in results:   # memory with every student's notebook still loaded
        _, user = await _api(f"{hub}/hub/api/users/{result['user']}", token)
        server_pid = user["servers"][""]["state"].get("pid") if user["servers"][""].get("state") else None
        result["memory_mb"] = round(_memory_mb({server_pid})) if server_pid else None
    return results


def main(hub: str, token: str, users: str = "8",
         notebook: str = "notebooks/03_convolution_arithmetic.ipynb") -> int:
    results = asyncio.run(measure(hub.rstrip("/"), token, int(users), Path(notebook)))
    for result in results:
        print(json.dumps(result))
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
