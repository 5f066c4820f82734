"""Attachment bytes over HTTP (issue 12, Performance): the Jupyter server's upload
endpoint (``chatkit_widget_uploads``) in a real JupyterLab, and the view's choice between
it and comm buffers in Chromium."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .conftest import Lab, LabPage, chat_root, type_and_send

SETUP = """
from servers import ComposerServer
from chatkit_widget import ChatKitWidget
chat = ChatKitWidget(ComposerServer('Got them.'), attachments={'max_size': 4_000_000})
chat
"""
ENDPOINT = "/chatkit-widget/uploads"


def uploads_dir(lab: Lab) -> Path:
    # running_lab gives the server (and so its kernels) this runtime dir.
    return lab.root.parent / "JUPYTER_RUNTIME_DIR" / "chatkit-widget-uploads"


def put(lab: Lab, file_id: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{lab.url}{ENDPOINT}/{file_id}", data=body, method="PUT", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def test_the_endpoint_takes_a_body_only_from_an_authorized_user(lab: Lab):
    token = {"Authorization": f"token {lab.token}"}
    file_id = secrets.token_hex(16)
    assert put(lab, file_id, b"abc", {})[0] == 403
    assert put(lab, file_id, b"abc", {"Authorization": "token wrong"})[0] == 403
    assert put(lab, "../../x" + "0" * 25, b"abc", token)[0] == 404
    assert not (uploads_dir(lab) / file_id).exists()
    status, reply = put(lab, file_id, b"hello", token)
    assert status == 200 and reply == {"size": 5}
    path = uploads_dir(lab) / file_id
    assert path.read_bytes() == b"hello"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert put(lab, file_id, b"other", token)[0] == 409  # an id is written once
    assert path.read_bytes() == b"hello"
    # The marker that tells a kernel it sees these files.
    marker = lab.api("GET", ENDPOINT)["marker"]
    assert (uploads_dir(lab) / marker).is_file()

    delete = urllib.request.Request(
        f"{lab.url}{ENDPOINT}/{file_id}", method="DELETE", headers=token
    )
    with urllib.request.urlopen(delete, timeout=10) as response:
        assert response.status == 204
    assert not path.exists()
    # A view may drop an upload before its PUT arrives: that PUT then writes nothing.
    early = secrets.token_hex(16)
    delete = urllib.request.Request(f"{lab.url}{ENDPOINT}/{early}", method="DELETE", headers=token)
    with urllib.request.urlopen(delete, timeout=10) as response:
        assert response.status == 204
    assert put(lab, early, b"late", token)[0] == 409
    assert not (uploads_dir(lab) / early).exists()


def test_the_endpoint_refuses_a_body_over_its_limit_before_reading_it(lab: Lab):
    url = urllib.parse.urlsplit(lab.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.putrequest("PUT", f"{ENDPOINT}/{secrets.token_hex(16)}")
    connection.putheader("Authorization", f"token {lab.token}")
    connection.putheader("Content-Length", str(2 << 30))
    connection.endheaders()  # no body follows: the answer comes without it
    response = connection.getresponse()
    assert response.status == 413
    connection.close()


def attach(lab_page: LabPage, path: Path) -> None:
    root = chat_root(lab_page)
    done = root.locator(".ckw-attachment--done").count()
    with lab_page.page.expect_file_chooser() as chooser:
        root.get_by_role("button", name="Attach files").click()
    chooser.value.set_files(str(path))
    expect(root.locator(".ckw-attachment--done")).to_have_count(done + 1, timeout=30_000)


def uploads_seen(requests: list[tuple[str, str]]) -> list[str]:
    return [method for method, url in requests if ENDPOINT in url]


def leftovers(lab: Lab) -> list[str]:
    """Uploads in the server's folder, whole or arriving (not its marker, not the
    tombstones of dropped ones)."""
    names = os.listdir(uploads_dir(lab))
    return [n for n in names if not n.startswith("server-") and not n.endswith(".gone")]


def received(lab_page: LabPage) -> list[tuple[str, str]]:
    out = lab_page.execute(
        "import hashlib\n"
        "print([(a.name, hashlib.sha256(chat.server.attachment_store.read(a.id)).hexdigest())"
        " for a in chat.server.inputs[-1].attachments])"
    )
    return eval(out)  # noqa: S307 (our own kernel's repr)


def test_files_go_over_http_and_over_the_comm_when_the_kernel_cannot_see_them(
    lab_page: LabPage, tmp_path: Path
):
    requests: list[tuple[str, str]] = []
    lab_page.page.on("request", lambda r: requests.append((r.method, r.url)))
    lab_page.write_notebook("http-upload.ipynb", [SETUP])
    lab_page.open("http-upload.ipynb")
    lab_page.run_all()
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    first.write_bytes(os.urandom(3_000_000))
    second.write_bytes(os.urandom(2_000_000))

    # The view looked the endpoint up when the chat appeared.
    expect(chat_root(lab_page).get_by_role("button", name="Attach files")).to_be_enabled()
    attach(lab_page, first)
    assert uploads_seen(requests) == ["GET", "PUT"]
    assert leftovers(lab_page.lab) == []  # the kernel adopted the file

    # As if the kernel ran on another machine: it no longer sees the server's files.
    lab_page.execute("import os; os.environ['JUPYTER_RUNTIME_DIR'] = '/nonexistent/elsewhere'")
    attach(lab_page, second)
    # The PUT started with the request, the kernel said at once that it cannot see the
    # server's files, the view stopped the PUT (maybe before it left the browser), dropped
    # its id there (DELETE) and sent the bytes over the comm instead.
    seen = uploads_seen(requests)
    assert seen[:2] == ["GET", "PUT"] and seen[-1] == "DELETE" and len(seen) in (3, 4)

    type_and_send(lab_page, "two files")
    root = chat_root(lab_page)
    expect(root.locator(".ckw-assistant").last).to_contain_text("Got them.", timeout=20_000)
    assert received(lab_page) == [
        ("first.bin", hashlib.sha256(first.read_bytes()).hexdigest()),
        ("second.bin", hashlib.sha256(second.read_bytes()).hexdigest()),
    ]
    assert leftovers(lab_page.lab) == []
    # Later files skip the HTTP attempt for this kernel.
    attach(lab_page, first)
    assert uploads_seen(requests) == seen


def test_without_the_server_endpoint_files_go_over_the_comm(lab_page: LabPage, tmp_path: Path):
    """As in Voilà or marimo, which have no upload endpoint."""
    requests: list[tuple[str, str]] = []
    lab_page.page.on("request", lambda r: requests.append((r.method, r.url)))
    lab_page.write_notebook("comm-upload.ipynb", [SETUP])
    lab_page.open("comm-upload.ipynb")
    # What the view reads the server's address from (when the chat appears); a page
    # without it has no endpoint.
    lab_page.page.evaluate("() => document.getElementById('jupyter-config-data').remove()")
    lab_page.run_all()
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(1_500_000))
    attach(lab_page, data)
    type_and_send(lab_page, "one file")
    root = chat_root(lab_page)
    expect(root.locator(".ckw-assistant").last).to_contain_text("Got them.", timeout=20_000)
    assert received(lab_page) == [("data.bin", hashlib.sha256(data.read_bytes()).hexdigest())]
    assert uploads_seen(requests) == []


def test_a_cookie_signed_in_page_uploads_with_its_xsrf_token(lab_page: LabPage, tmp_path: Path):
    """As behind a login page (JupyterHub, a password): no token in the page, only the
    login cookie, so the PUT must carry the XSRF token as JupyterLab's requests do."""
    requests: list[tuple[str, str]] = []
    lab_page.page.on("request", lambda r: requests.append((r.method, r.url)))
    lab_page.write_notebook("cookie-upload.ipynb", [SETUP])
    lab_page.open("cookie-upload.ipynb")
    lab_page.page.evaluate(
        """() => {
            const script = document.getElementById('jupyter-config-data');
            const config = JSON.parse(script.textContent);
            delete config.token;
            script.textContent = JSON.stringify(config);
        }"""
    )
    lab_page.run_all()
    # Without the XSRF header the same cookie gets nothing written.
    status = lab_page.page.evaluate(
        """url => fetch(url, { method: "PUT", body: "x", credentials: "same-origin" })
            .then((r) => r.status)""",
        f"{lab_page.lab.url}{ENDPOINT}/{secrets.token_hex(16)}",
    )
    assert status == 403
    data = tmp_path / "signed.bin"
    data.write_bytes(os.urandom(500_000))
    attach(lab_page, data)
    # The view's lookup when the chat appeared (before or after the refused PUT above),
    # then the view's PUT.
    assert sorted(uploads_seen(requests)) == ["GET", "PUT", "PUT"]
    assert uploads_seen(requests)[-1] == "PUT"
    type_and_send(lab_page, "signed in")
    root = chat_root(lab_page)
    expect(root.locator(".ckw-assistant").last).to_contain_text("Got them.", timeout=20_000)
    assert received(lab_page) == [("signed.bin", hashlib.sha256(data.read_bytes()).hexdigest())]
    assert leftovers(lab_page.lab) == []


def test_a_failed_put_falls_back_to_the_comm_and_nothing_is_left(lab_page: LabPage, tmp_path: Path):
    lab_page.write_notebook("failed-put.ipynb", [SETUP])
    lab_page.open("failed-put.ipynb")
    lab_page.run_all()
    # The network drops the upload request (a proxy, a lost connection).
    lab_page.page.route(
        f"**{ENDPOINT}/*",
        lambda route: route.abort() if route.request.method == "PUT" else route.continue_(),
    )
    data = tmp_path / "dropped.bin"
    data.write_bytes(os.urandom(1_000_000))
    attach(lab_page, data)
    type_and_send(lab_page, "one file")
    root = chat_root(lab_page)
    expect(root.locator(".ckw-assistant").last).to_contain_text("Got them.", timeout=20_000)
    assert received(lab_page) == [("dropped.bin", hashlib.sha256(data.read_bytes()).hexdigest())]
    # The kernel stopped waiting and dropped the attachment it had made for the PUT.
    assert (
        lab_page.execute(
            "print(len(chat.server.attachment_store._blobs), chat._composer._waiting)"
        ).strip()
        == "1 {}"
    )
    assert leftovers(lab_page.lab) == []


def test_a_kernel_that_refuses_the_file_stops_the_put_and_says_why(
    lab_page: LabPage, tmp_path: Path
):
    """A server without attachment support: the view offers attachments (the option is
    set) but the kernel refuses; the chip says why and nothing stays on the server."""
    requests: list[tuple[str, str]] = []
    lab_page.page.on("request", lambda r: requests.append((r.method, r.url)))
    lab_page.write_notebook(
        "refused-upload.ipynb",
        [
            "from servers import PacedServer\nfrom chatkit_widget import ChatKitWidget\n"
            "chat = ChatKitWidget(PacedServer(), attachments=True)\nchat"
        ],
    )
    lab_page.open("refused-upload.ipynb")
    lab_page.run_all()
    root = chat_root(lab_page)
    data = tmp_path / "refused.bin"
    data.write_bytes(os.urandom(2_000_000))
    with lab_page.page.expect_file_chooser() as chooser:
        root.get_by_role("button", name="Attach files").click()
    chooser.value.set_files(str(data))
    chip = root.locator(".ckw-attachment--error")
    expect(chip).to_contain_text("does not support attachments", timeout=30_000)
    # The view had the endpoint and started the PUT with its request (the kernel may
    # refuse before the PUT leaves the browser); it stopped the PUT and dropped its id
    # (DELETE): nothing is left for anyone to adopt.
    assert uploads_seen(requests)[0] == "GET" and "DELETE" in uploads_seen(requests)
    for _ in range(50):
        if leftovers(lab_page.lab) == []:
            break
        lab_page.page.wait_for_timeout(100)
    assert leftovers(lab_page.lab) == []
