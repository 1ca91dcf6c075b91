"""The office's daily work in the browser, against the real local stack (issue 10)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, cast

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.browser.conftest import SHOTS, Stack
from tests.support.files import make_pdf

FRONTEND = Path(__file__).resolve().parents[3] / "frontend"
PDF = make_pdf()  # a real PDF: the confirmation parses it


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def sign_in(page: Page, stack: Stack, next_path: str = "/teachers") -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(stack.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def check_page(page: Page, name: str) -> None:
    """No serious or critical axe violation; a screenshot for the docs."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: {bad}"


def stage_becomes(stack: Stack, teacher_id: str, stage: str) -> bool:
    """Wait (bounded) for the optimistic move to reach the API; True once the API says so."""
    for _ in range(100):
        if stack.call("GET", f"/api/teachers/{teacher_id}")[1].get("pipelineStage") == stage:
            return True
        time.sleep(0.1)
    return False


def pick_up(page: Page, name: str) -> None:
    """Space on the card's drag handle. dnd-kit's keyboard sensor starts listening for the arrow
    keys in a zero-delay timer after the pick-up; a zero-delay timer queued now runs after it
    (timers of equal delay run in order), so the next key press cannot arrive before it listens.
    A person is never that fast; a test is."""
    page.get_by_role("button", name=f"Move {name}").focus()
    page.keyboard.press("Space")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve))")


def column_becomes(stack: Stack, project_id: str, stage: str, ids: list[str]) -> bool:
    """Wait (bounded) until the API's kanban column holds exactly ``ids`` in that order."""
    for _ in range(100):
        board = stack.call("GET", f"/api/pipeline?projectId={project_id}")[1]
        if [card["_id"] for c in board if c["_id"] == stage for card in c["teachers"]] == ids:
            return True
        time.sleep(0.1)
    return False


def make_project(stack: Stack) -> dict[str, Any]:
    status, project = stack.call(
        "POST", "/api/projects", {"name": unique("Program "), "code": unique("P").upper()}
    )
    assert status == 201, project
    return cast(dict[str, Any], project)


def make_teacher(stack: Stack, **fields: Any) -> dict[str, Any]:
    body = {
        "firstName": unique("T"),
        "lastName": "Tester",
        "email": f"{unique('t')}@example.org",
        **fields,
    }
    status, teacher = stack.call("POST", "/api/teachers", body)
    assert status == 201, teacher
    return cast(dict[str, Any], teacher)


def test_sign_in_shows_the_user_and_sign_out_ends_the_session(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    page.goto("/teachers")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fteachers"))
    check_page(page, "login")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    page.get_by_label("Password").fill(stack.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Teachers", level=1)).to_be_visible()
    expect(page.get_by_text("Local administrator")).to_be_visible()
    expect(page.get_by_text("Administrator", exact=True)).to_be_visible()
    # A reload keeps the session (HttpOnly refresh cookie); nothing in web storage holds a token.
    page.reload()
    expect(page.get_by_role("heading", name="Teachers", level=1)).to_be_visible()
    stored = page.evaluate(
        "JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})"
    )
    assert "eyJ" not in stored and "refresh" not in stored.lower()
    assert page.evaluate("document.cookie") == ""
    page.get_by_text("Local administrator").click()
    # A sign-out the server never confirmed says so and keeps the session (only the server can
    # clear the HttpOnly cookie); the next try ends it for good, also across a reload.
    page.route("**/api/auth/logout", lambda route: route.abort())
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("the session is still open")
    expect(page.get_by_role("heading", name="Teachers", level=1)).to_be_visible()
    page.unroute("**/api/auth/logout")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/teachers")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_create_a_teacher_with_a_field_error_then_fixed(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    taken = make_teacher(stack)
    sign_in(page, stack)
    page.get_by_role("button", name="New teacher").click()
    dialog = page.get_by_role("dialog", name="New teacher")
    check_page(page, "new-teacher")
    first = unique("Ada")
    dialog.get_by_label("First name").fill(first)
    dialog.get_by_label("Last name").fill("Lovelace")
    dialog.get_by_label("Email", exact=True).fill(taken["email"])
    dialog.get_by_role("button", name="Save").click()
    email = dialog.get_by_label("Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_contain_text("must be unique")
    email.fill(f"{first.lower()}@example.org")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=f"{first} Lovelace", level=1)).to_be_visible()
    check_page(page, "profile")


def test_search_filters_the_list_on_the_server(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    tag = unique("Zq")
    for name in ("Alpha", "Beta"):
        make_teacher(stack, firstName=f"{tag}{name}")
    make_teacher(stack, firstName=unique("Other"))
    sign_in(page, stack)
    page.get_by_label("Search").fill(f"{tag}alp")
    table = page.get_by_role("table")
    expect(table.get_by_role("link", name=re.compile(f"{tag}Alpha"))).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)  # header + one teacher
    expect(page.get_by_role("status").filter(has_text="1 teacher")).to_be_visible()
    check_page(page, "teachers-list")


def test_a_deleted_teacher_is_found_and_restored_later(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    teacher = make_teacher(stack, firstName=unique("Gone"))
    name = f"{teacher['firstName']} Tester"
    status, _ = stack.call("DELETE", f"/api/teachers/{teacher['_id']}")
    assert status == 200
    sign_in(page, stack)
    page.get_by_label("Search").fill(teacher["firstName"])
    expect(page.get_by_role("status").filter(has_text="0 teachers")).to_be_visible()
    # The switch reflects the URL, which the router updates in a transition: click, then wait.
    show_deleted = page.get_by_label("Show deleted teachers")
    show_deleted.click()
    expect(show_deleted).to_be_checked()
    table = page.get_by_role("table", name="Deleted teachers of the selected project")
    expect(table.get_by_role("row")).to_have_count(2)  # header + the deleted teacher
    expect(table).to_contain_text(name)
    check_page(page, "teachers-deleted")
    page.get_by_role("button", name=f"Restore {name}").click()
    expect(page.get_by_role("status").filter(has_text=f"{name} was restored.")).to_be_visible()
    expect(table).to_contain_text("No deleted teachers match.")
    assert stack.call("GET", f"/api/teachers/{teacher['_id']}")[0] == 200
    show_deleted.click()
    expect(show_deleted).not_to_be_checked()
    expect(page.get_by_role("table").get_by_role("link", name=name)).to_be_visible()


def test_kanban_drag_with_the_mouse_and_the_keyboard(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    project = make_project(stack)
    status, stages = stack.call("GET", "/api/stages")
    assert status == 200 and len(stages) >= 2
    teacher = make_teacher(stack, project=project["_id"], pipelineStage=stages[0]["_id"])
    name = f"{teacher['firstName']} Tester"
    sign_in(page, stack)
    page.get_by_label("Project").select_option(project["_id"])
    page.get_by_role("button", name="Kanban").click()
    target = page.get_by_role("region", name=stages[1]["title"])
    expect(page.get_by_role("region", name=stages[0]["title"]).get_by_text(name)).to_be_visible()
    check_page(page, "kanban")
    handle = page.get_by_role("button", name=f"Move {name}")
    box = handle.bounding_box()
    goal = target.bounding_box()
    assert box and goal
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 20, box["y"] + 20, steps=5)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 40, steps=15)
    page.mouse.up()
    expect(target.get_by_text(name)).to_be_visible()
    assert stage_becomes(stack, teacher["_id"], stages[1]["_id"])
    # Keyboard: Space picks up, ArrowRight moves to the next column (the board scrolls when that
    # column is off to the right), Space drops — each after its announcement, as a user hears it.
    announced = page.get_by_role("status").filter(has_text=re.compile(f"^{name} "))
    pick_up(page, name)
    expect(announced).to_have_text(f"{name} is over {stages[1]['title']}, position 1 of 1.")
    page.keyboard.press("ArrowRight")
    expect(announced).to_have_text(re.compile(f"is over {stages[2]['title']}, "))
    page.keyboard.press("Space")
    expect(page.get_by_role("region", name=stages[2]["title"]).get_by_text(name)).to_be_visible()
    assert stage_becomes(stack, teacher["_id"], stages[2]["_id"])
    # Down within a column: below a second teacher of that stage, then checked through the API.
    other = make_teacher(stack, project=project["_id"], pipelineStage=stages[2]["_id"])
    other_name = f"{other['firstName']} Tester"
    column = page.get_by_role("region", name=stages[2]["title"])
    page.reload()
    expect(column.get_by_role("link")).to_have_text([name, other_name])
    pick_up(page, name)
    expect(announced).to_have_text(f"{name} is over {stages[2]['title']}, position 1 of 2.")
    page.keyboard.press("ArrowDown")
    expect(announced).to_have_text(f"{name} is over {stages[2]['title']}, position 2 of 2.")
    page.keyboard.press("Space")
    expect(announced).to_have_text(f"{name} was dropped in {stages[2]['title']}, position 2 of 2.")
    expect(column.get_by_role("link")).to_have_text([other_name, name])
    assert column_becomes(stack, project["_id"], stages[2]["_id"], [other["_id"], teacher["_id"]])


def test_passport_upload_download_and_a_refused_file(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    teacher = make_teacher(stack)
    sign_in(page, stack, f"/teachers/{teacher['_id']}")
    page.get_by_role("tab", name="Documents").click()
    page.get_by_role("button", name="Upload Passport").click()
    dialog = page.get_by_role("dialog", name="Upload Passport")
    dialog.get_by_label("File").set_input_files(
        {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    dialog.get_by_label("Number").fill("P1234567")
    dialog.get_by_label("Expiry date").fill("2031-05-31")
    dialog.get_by_role("button", name="Upload").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row", name=re.compile("Passport"))
    expect(row).to_contain_text("Valid")
    expect(row).to_contain_text("P1234567")
    expect(row).to_contain_text("May 31, 2031")
    check_page(page, "documents")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Passport").click()
    assert Path(download.value.path()).read_bytes() == PDF
    stored = stack.call("GET", f"/api/teachers/{teacher['_id']}")[1]
    assert stored["documents"]["passport"]["expiryDate"].startswith("2031-05-31")
    # A "PDF" that is not one: S3 takes it, the API's check refuses it, the user is told why.
    page.get_by_role("button", name="Upload ARC").click()
    dialog = page.get_by_role("dialog", name="Upload ARC")
    dialog.get_by_label("File").set_input_files(
        {"name": "arc.pdf", "mimeType": "application/pdf", "buffer": b"just text, not a pdf" * 20}
    )
    dialog.get_by_role("button", name="Upload").click()
    expect(dialog.get_by_role("alert")).to_contain_text("content does not match")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("row", name=re.compile("ARC"))).to_contain_text("Missing")


def test_boxes_and_documents_are_renamed_and_deleted_in_dialogs(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    teacher = make_teacher(stack)
    sign_in(page, stack, f"/teachers/{teacher['_id']}?tab=documents")
    page.get_by_label("New box").fill("Visas")
    page.get_by_role("button", name="Add box").click()
    expect(page.get_by_role("heading", name="Visas", level=4)).to_be_visible()
    page.get_by_role("button", name="Upload other document").click()
    upload = page.get_by_role("dialog", name="Upload other document")
    upload.get_by_label("File").set_input_files(
        {"name": "visa.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    upload.get_by_label("Name").fill("Visa 2026")
    upload.get_by_label("Box").select_option(label="Visas")
    upload.get_by_role("button", name="Upload").click()
    expect(upload).to_be_hidden()
    expect(page.get_by_role("region", name="Visas")).to_contain_text("Visa 2026")
    # Rename the box: a labelled field in a dialog; an empty name is refused in place.
    page.get_by_role("button", name="Rename box Visas").click()
    dialog = page.get_by_role("dialog", name="Rename the box Visas")
    field = dialog.get_by_label("Name")
    expect(field).to_be_focused()
    expect(field).to_have_value("Visas")
    check_page(page, "rename-box")
    field.fill(" ")
    dialog.get_by_role("button", name="Save").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    field.fill("Residence")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("heading", name="Residence", level=4)).to_be_visible()
    expect(page.get_by_role("button", name="Rename box Residence")).to_be_focused()
    # Rename the document, then delete it: a confirmation whose first choice is Cancel.
    page.get_by_role("button", name="Rename Visa 2026").click()
    dialog = page.get_by_role("dialog", name="Rename Visa 2026")
    dialog.get_by_label("Name").fill("Visa (old)")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("region", name="Residence")).to_contain_text("Visa (old)")
    page.get_by_role("button", name="Delete Visa (old)").click()
    confirm = page.get_by_role("alertdialog", name="Delete Visa (old)?")
    expect(confirm).to_contain_text("stays in the document history")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    check_page(page, "delete-document")
    confirm.get_by_role("button", name="Delete").click()
    expect(confirm).to_be_hidden()
    expect(page.get_by_role("region", name="Residence")).not_to_contain_text("Visa (old)")
    # Delete the box.
    page.get_by_role("button", name="Delete box Residence").click()
    confirm = page.get_by_role("alertdialog", name="Delete the box Residence?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Residence", level=4)).to_be_hidden()
    stored = stack.call("GET", f"/api/teachers/{teacher['_id']}")[1]
    assert stored["documentBoxes"] == [] and stored["otherDocuments"] == []


def test_a_stale_edit_gets_the_conflict_dialog(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    teacher = make_teacher(stack, remarks="first")
    sign_in(page, stack, f"/teachers/{teacher['_id']}")
    page.get_by_role("button", name="Edit Remarks").click()
    page.get_by_role("form", name="Remarks").get_by_label("Remarks").fill("mine")
    status, _ = stack.call("PATCH", f"/api/teachers/{teacher['_id']}", {"remarks": "theirs"})
    assert status == 200
    page.get_by_role("form", name="Remarks").get_by_role("button", name="Save").click()
    dialog = page.get_by_role("alertdialog", name="This teacher was changed by someone else")
    expect(dialog).to_be_visible()
    check_page(page, "conflict")
    assert stack.call("GET", f"/api/teachers/{teacher['_id']}")[1]["remarks"] == "theirs"
    dialog.get_by_role("button", name="Reload current data").click()
    page.get_by_role("form", name="Remarks").get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("theirs")).to_be_visible()


def test_switch_to_traditional_chinese_and_back(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    sign_in(page, stack)
    page.get_by_label("Language").select_option("zh-TW")
    expect(page.get_by_role("link", name="教師")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-TW"
    check_page(page, "teachers-zh-TW")
    page.reload()
    expect(page.get_by_role("heading", name="教師", level=1)).to_be_visible()
    page.get_by_label("語言").select_option("en")
    expect(page.get_by_role("link", name="Teachers")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"


def test_other_pages_pass_axe(page: Page, stack: Stack, csp_violations: list[str]) -> None:
    sign_in(page, stack)
    for path, heading, shot in (
        ("/account/password", "Change password", "change-password"),
        ("/", "Dashboard", "dashboard-placeholder"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        check_page(page, shot)
    page.get_by_label("Theme").select_option("dark")
    page.goto("/teachers")
    expect(page.get_by_role("heading", name="Teachers", level=1)).to_be_visible()
    check_page(page, "teachers-dark")


def test_the_committed_api_client_matches_the_running_api(stack: Stack) -> None:
    with urllib.request.urlopen(stack.base + "/api/openapi.json", timeout=30) as response:  # noqa: S310
        document = response.read()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "openapi.json"
        spec.write_bytes(document)
        out = Path(tmp) / "schema.d.ts"
        subprocess.run(
            [
                str(FRONTEND / "node_modules/.bin/openapi-typescript"),
                str(spec),
                "--default-non-nullable=false",
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        assert out.read_text() == (FRONTEND / "src/api/schema.d.ts").read_text(), (
            "frontend/src/api/schema.d.ts is stale: run `make api-client` and commit it"
        )
