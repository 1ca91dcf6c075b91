"""The office's screens in the browser, against the real local stack (issue 11): dashboard,
schools, documents vault, settings (projects, stages, alert rules, users, preferences, audit log,
operations)."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import requests
from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.conftest import Stack
from tests.e2e.browser.test_spa import PDF, check_page, make_project, make_teacher, unique

SETTINGS_PAGES = (
    "projects",
    "stages",
    "alerts",
    "users",
    "preferences",
    "import",
    "audit",
    "operations",
)


def chinese(count: int = 4) -> str:
    """Random CJK characters (a unique Chinese name part)."""
    return "".join(
        chr(0x4E00 + int.from_bytes(uuid.uuid4().bytes[:2]) % 0x5000) for _ in range(count)
    )


def day(offset: int) -> str:
    """An ISO date ``offset`` days from today (UTC), for expiry dates relative to the run."""
    return (datetime.now(UTC) + timedelta(days=offset)).date().isoformat()


def sign_in_as(page: Page, stack: Stack, email: str, password: str, next_path: str = "/") -> None:
    page.goto(f"/login?next={quote(next_path)}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("link", name="FETMS")).to_be_visible()


def sign_in(page: Page, stack: Stack, next_path: str = "/") -> None:
    sign_in_as(page, stack, "admin@example.com", stack.password, next_path)


def kpi(page: Page, name: str) -> Any:
    return page.get_by_role("group", name=name, exact=True)


def dashboard_total(stack: Stack, project_id: str, **filters: str) -> int:
    query = "&".join(f"{k}={quote(v)}" for k, v in {"projectId": project_id, **filters}.items())
    status, body = stack.call("GET", f"/api/stats/dashboard?{query}")
    assert status == 200, body
    return int(body["kpi"]["totalTeachers"])


def upload_passport(stack: Stack, teacher_id: str, expiry: str) -> None:
    """The presigned flow as the browser does it: ask, POST to S3, confirm."""
    status, asked = stack.call(
        "POST",
        f"/api/teachers/{teacher_id}/uploads",
        {
            "kind": "passport",
            "fileName": "passport.pdf",
            "contentType": "application/pdf",
            "size": len(PDF),
        },
    )
    assert status == 201, asked
    files = {"file": ("passport.pdf", PDF, "application/pdf")}
    sent = requests.post(asked["url"], data=asked["fields"], files=files, timeout=30)
    assert sent.status_code in (200, 201, 204), sent.text
    status, body = stack.call(
        "POST",
        f"/api/teachers/{teacher_id}/uploads/{asked['uploadId']}/confirm",
        {"expiryDate": expiry, "number": "P7654321"},
    )
    assert status == 200, body


def seed_program(stack: Stack, project_id: str, nationality: str) -> int:
    """A small program with varied teachers (the dashboard's screenshot); returns how many."""
    stages = stack.call("GET", "/api/stages")[1]
    people = [
        (nationality, "Female", "Master", 72000, 4, "Re-Hired", 3, 20),
        (nationality, "Male", "Bachelor", 64000, 1, "Newly Hired", 5, None),
        ("Canada", "Female", "Bachelor", 61000, 2, "Newly Hired", 0, -5),
        ("Canada", "Male", "Master", 86000, 9, "Re-Hired", 5, 400),
        ("United States", "Female", "Bachelor", None, None, None, 1, None),
        ("United States", "Male", "Master", 58000, 0, "Newly Hired", 2, 45),
        ("United Kingdom", "Female", "PhD", 93000, 12, "Re-Hired", 5, None),
        ("South Africa", "Female", "Bachelor", 66000, 3, "Newly Hired", 4, None),
        ("Australia", "Male", None, None, None, None, None, None),
    ]
    for country, gender, degree, salary, years, hiring, stage, arc in people:
        fields: dict[str, Any] = {
            "project": project_id,
            "personalInfo": {"nationality": {"english": country}, "gender": gender},
        }
        if hiring:
            fields["personalInfo"]["hiringStatus"] = hiring
        if degree:
            fields["education"] = {"degree": degree}
        if salary is not None:
            fields["contractDetails"] = {"salary": salary, "senioritySalary": f"{years} Years"}
        if stage is not None:
            fields["pipelineStage"] = stages[stage]["_id"]
        if arc is not None:
            fields["arcDetails"] = {"expiryDate": day(arc)}
        make_teacher(stack, **fields)
    return len(people)


def test_dashboard_chart_click_filters_it_and_the_url_keeps_it(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    project = make_project(stack)
    nationality = unique("Atlantis")
    total = seed_program(stack, project["_id"], nationality)
    assert dashboard_total(stack, project["_id"]) == total
    sign_in(page, stack)
    page.get_by_label("Project").select_option(project["_id"])
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{total}$"))
    check_page(page, "dashboard")
    bar = page.get_by_role(
        "button", name=f"Nationality: {nationality}, 2 teachers. Filter the dashboard by it"
    )
    bar.click()
    expected = dashboard_total(stack, project["_id"], nationality=nationality)
    assert expected == 2
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{expected}$"))
    chip = page.get_by_role("button", name=f"Remove filter Nationality: {nationality}")
    expect(chip).to_be_visible()
    expect(page).to_have_url(re.compile(f"nationality={nationality}"))
    assert f"project={project['_id']}" in page.url
    check_page(page, "dashboard-filtered")
    # The filtered dashboard is a bookmark: a new page on the same URL shows the same numbers.
    bookmark = page.url
    page.goto("/teachers")
    expect(page.get_by_role("heading", name="Teachers", level=1)).to_be_visible()
    page.goto(bookmark)
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{expected}$"))
    # The same filter opens the teachers list.
    page.get_by_role("link", name="Open in the teachers list").click()
    expect(page).to_have_url(re.compile(f"/teachers\\?nationality={nationality}"))
    expect(page.get_by_role("status").filter(has_text="2 teachers")).to_be_visible()
    page.go_back()
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{expected}$"))
    # The table view is the chart's text alternative, with the same filter buttons.
    page.get_by_role("button", name=f"Remove filter Nationality: {nationality}").click()
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{total}$"))
    page.get_by_role("button", name="Show Nationality as a table").click()
    table = page.get_by_role("table", name="Nationality")
    expect(table.get_by_role("row", name=re.compile("Canada"))).to_contain_text("2")
    table.get_by_role(
        "button", name="Nationality: Canada, 2 teachers. Filter the dashboard by it"
    ).click()
    canada = dashboard_total(stack, project["_id"], nationality="Canada")
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{canada}$"))
    page.get_by_role("button", name="Remove filter Nationality: Canada").click()
    page.get_by_role("button", name="Show Nationality as a table").click()
    expect(kpi(page, "Total teachers")).to_have_text(re.compile(rf"Total teachers\s*{total}$"))
    # Both languages for the docs.
    page.get_by_label("Language").select_option("zh-TW")
    expect(page.get_by_role("heading", name="儀表板", level=1)).to_be_visible()
    check_page(page, "dashboard-zh-TW")
    page.get_by_label("語言").select_option("en")


def test_create_a_school_and_find_it_by_a_chinese_search(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    part = chinese()
    name = f"台北市{part}國小"
    sign_in(page, stack, "/schools")
    expect(page.get_by_role("heading", name="Schools", level=1)).to_be_visible()
    page.get_by_role("button", name="New school").click()
    dialog = page.get_by_role("dialog", name="New school")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Chinese name", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    dialog.get_by_label("Chinese name", exact=True).fill(name)
    english = unique("Taipei Elementary ")
    dialog.get_by_label("English name", exact=True).fill(english)
    # Free text as FETMS stored it, but bounded: the API's field error lands on the field.
    dialog.get_by_label("Contact email").fill("x" * 250 + "@school.example.org")
    check_page(page, "school-dialog")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Contact email")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("Contact email").fill("office@school.example.org")
    dialog.get_by_label("Contact phone").fill("02-2345-6789")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    page.get_by_label("Search").fill(part)
    table = page.get_by_role("table", name="Schools")
    expect(table.get_by_role("row")).to_have_count(2)  # header + the school
    # In English the English name leads, the Chinese one follows.
    expect(table.get_by_role("link", name=english)).to_be_visible()
    expect(table.get_by_role("row", name=re.compile(english))).to_contain_text(name)
    expect(page.get_by_role("status").filter(has_text="1 school")).to_be_visible()
    check_page(page, "schools")
    # Literal search: regex characters match nothing instead of everything.
    page.get_by_label("Search").fill(".*")
    expect(page.get_by_role("status").filter(has_text="0 schools")).to_be_visible()
    page.get_by_label("Search").fill(part)
    # The profile: contact details and the teachers placed there.
    status, schools = stack.call("GET", f"/api/schools?search={quote(part)}&limit=10")
    assert status == 200 and len(schools) == 1
    teacher = make_teacher(stack, school=schools[0]["_id"])
    table.get_by_role("link", name=english).click()
    expect(page.get_by_role("heading", name=english, level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(name)
    expect(page.get_by_role("region", name="Contact details")).to_contain_text("02-2345-6789")
    placed = page.get_by_role("table", name=f"Teachers placed at {english}")
    expect(placed.get_by_role("link", name=f"{teacher['firstName']} Tester")).to_be_visible()
    check_page(page, "school-profile")
    # Soft delete, then restore from the list.
    page.get_by_role("link", name="Back to schools").click()
    page.get_by_label("Search").fill(part)
    expect(page.get_by_role("status").filter(has_text="1 school")).to_be_visible()
    page.get_by_role("button", name=f"Delete {english}").click()
    page.get_by_role("alertdialog", name=f"Delete {english}?").get_by_role(
        "button", name="Delete"
    ).click()
    expect(page.get_by_role("status").filter(has_text="0 schools")).to_be_visible()
    page.get_by_label("Show deleted schools").click()
    expect(page.get_by_label("Show deleted schools")).to_be_checked()
    page.get_by_role("button", name=f"Restore {english}").click()
    expect(page.get_by_role("status").filter(has_text=f"{english} was restored.")).to_be_visible()
    assert stack.call("GET", f"/api/schools/{schools[0]['_id']}")[0] == 200


def test_archive_and_restore_a_project(page: Page, stack: Stack, csp_violations: list[str]) -> None:
    project = make_project(stack)
    name = project["name"]
    sign_in(page, stack, "/settings/projects")
    expect(page.get_by_role("heading", name="Projects", level=2)).to_be_visible()
    selector = page.get_by_label("Project")
    expect(selector.locator("option", has_text=name)).to_have_count(1)
    page.get_by_role("button", name=f"Archive {name}").click()
    expect(page.get_by_role("status").filter(has_text=f"{name} was archived.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(re.escape(name)))).to_contain_text("Archived")
    expect(selector.locator("option", has_text=name)).to_have_count(0)
    assert stack.call("GET", f"/api/projects/{project['_id']}")[1]["isActive"] is False
    check_page(page, "settings-projects")
    page.get_by_role("button", name=f"Restore {name}").click()
    expect(page.get_by_role("status").filter(has_text=f"{name} was restored.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(re.escape(name)))).to_contain_text("Active")
    expect(selector.locator("option", has_text=name)).to_have_count(1)
    assert stack.call("GET", f"/api/projects/{project['_id']}")[1]["isActive"] is True
    # A new project, with the API's refusal of a duplicate code next to the field.
    page.get_by_role("button", name="New project").click()
    dialog = page.get_by_role("dialog", name="New project")
    dialog.get_by_label("Name").fill(unique("Program "))
    dialog.get_by_label("Code").fill(project["code"])
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_role("button", name="Cancel").click()


def test_add_a_stage_drag_it_to_first_place_and_the_kanban_follows(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    title = unique("Visa check ")
    sign_in(page, stack, "/settings/stages")
    expect(page.get_by_role("heading", name="Pipeline stages", level=2)).to_be_visible()
    page.get_by_label("New stage").fill(title)
    page.get_by_role("button", name="Add stage").click()
    expect(
        page.get_by_role("status").filter(has_text=f"The stage {title} was added")
    ).to_be_visible()
    stages = stack.call("GET", "/api/stages")[1]
    assert stages[-1]["title"] == title
    first = stages[0]["title"]
    # Keyboard drag to the top: Space, Up until first, Space (as the kanban's handles work).
    announced = page.get_by_role("status").filter(has_text=re.compile(f"^Stage {title}"))
    page.get_by_role("button", name=f"Move stage {title}").focus()
    page.keyboard.press("Space")
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
    for position in range(len(stages) - 1, 0, -1):
        page.keyboard.press("ArrowUp")
        expect(announced).to_have_text(f"Stage {title} is at position {position} of {len(stages)}.")
    check_page(page, "settings-stages-dragging")
    page.keyboard.press("Space")
    expect(announced).to_have_text(f"Stage {title} was dropped at position 1 of {len(stages)}.")
    expect(page.get_by_role("status").filter(has_text="The new order was saved.")).to_be_visible()
    check_page(page, "settings-stages")
    assert [s["title"] for s in stack.call("GET", "/api/stages")[1]][:2] == [title, first]
    # The kanban follows: the new stage is the first column after Uncategorized.
    page.goto("/teachers?view=kanban")
    new_column = page.get_by_role("region", name=re.compile(f"^{re.escape(title)} \\d"))
    old_first = page.get_by_role("region", name=re.compile(f"^{re.escape(first)} \\d"))
    uncategorized = page.get_by_role("region", name=re.compile(r"^Uncategorized \d"))
    expect(new_column).to_be_visible()
    boxes = [r.bounding_box() for r in (uncategorized, new_column, old_first)]
    assert all(boxes) and [b["x"] for b in cast(list[dict[str, float]], boxes)] == sorted(
        b["x"] for b in cast(list[dict[str, float]], boxes)
    )
    # Delete it again: the confirmation says where its teachers go.
    page.goto("/settings/stages")
    page.get_by_role("button", name=f"Delete stage {title}").click()
    confirm = page.get_by_role("alertdialog", name=f"Delete the stage {title}?")
    expect(confirm).to_contain_text("Its 0 teachers go to Uncategorized.")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name=f"Move stage {title}")).to_be_hidden()
    assert title not in [s["title"] for s in stack.call("GET", "/api/stages")[1]]


def test_an_alert_rule_shows_expiring_and_expired_teachers_in_the_widget(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    project = make_project(stack)
    soon = make_teacher(stack, project=project["_id"], arcDetails={"expiryDate": day(400)})
    gone = make_teacher(stack, project=project["_id"], arcDetails={"expiryDate": day(-3)})
    rule = unique("ARC within 500 days ")
    sign_in(page, stack, "/settings/alerts")
    page.get_by_label("Project").select_option(project["_id"])
    page.get_by_role("button", name="New alert rule").click()
    dialog = page.get_by_role("dialog", name="New alert rule")
    dialog.get_by_label("Name").fill(rule)
    dialog.get_by_label("Document").select_option(label="ARC")
    dialog.get_by_label("Days", exact=True).fill("0")
    dialog.get_by_role("button", name="Save").click()
    days = dialog.get_by_label("Days", exact=True)
    expect(days).to_have_attribute("aria-invalid", "true")
    expect(dialog).to_contain_text("between 1 and 3650")
    check_page(page, "alert-rule-dialog")
    days.fill("500")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("row", name=re.compile(re.escape(rule)))).to_contain_text(
        "Expires within 500 days"
    )
    check_page(page, "settings-alerts")
    page.get_by_role("link", name="Dashboard").click()
    widget = page.get_by_role("region", name=re.compile(f"^{re.escape(rule)}"))
    expect(widget.get_by_role("link", name=f"{soon['firstName']} Tester")).to_be_visible()
    expect(
        widget.get_by_role("listitem").filter(has_text=f"{gone['firstName']} Tester")
    ).to_contain_text("Expired")
    widget.get_by_role("link", name=f"{soon['firstName']} Tester").click()
    expect(page).to_have_url(re.compile(f"/teachers/{soon['_id']}\\?tab=documents"))
    expect(page.get_by_role("tab", name="Documents")).to_have_attribute("aria-selected", "true")
    rules = stack.call("GET", "/api/alerts?limit=100")[1]
    created = next(r for r in rules if r["name"] == rule)
    assert stack.call("DELETE", f"/api/alerts/{created['_id']}")[0] == 200


def test_an_admin_creates_an_editor_who_cannot_open_users_and_the_audit_log_shows_the_change(
    page: Page, browser: Browser, stack: Stack, csp_violations: list[str]
) -> None:
    teacher = make_teacher(stack, remarks="before")
    email = f"{unique('editor')}@example.org"
    sign_in(page, stack, "/settings/users")
    expect(page.get_by_role("heading", name="Users", level=2)).to_be_visible()
    page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog", name="New user")
    dialog.get_by_label("Name").fill("Erin Editor")
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_label("Role").select_option("editor")
    dialog.get_by_role("button", name="Create user").click()
    shown = page.get_by_role("alertdialog", name="Password for Erin Editor")
    password = shown.get_by_label(f"Password of {email}").input_value()
    assert len(password) >= 20
    shown.get_by_role("button", name="I have copied it").click()
    row = page.get_by_role("row", name=re.compile(re.escape(email)))
    expect(row.get_by_label("Role of Erin Editor")).to_have_value("editor")
    check_page(page, "settings-users")
    # A lockout after failed logins shows on the user, and an admin lifts it.
    for _ in range(5):
        requests.post(
            stack.base + "/api/auth/login", json={"email": email, "password": "wrong"}, timeout=30
        )
    page.reload()
    expect(row).to_contain_text("Locked until")
    row.get_by_role("button", name="Unlock Erin Editor").click()
    expect(
        page.get_by_role("status").filter(has_text="Erin Editor can sign in again.")
    ).to_be_visible()
    expect(row).not_to_contain_text("Locked until")
    # The editor: no Users screen (neither the link nor the page), but can edit a teacher.
    context = browser.new_context(base_url=stack.base, locale="en-US", timezone_id="UTC")
    editor = context.new_page()
    try:
        sign_in_as(editor, stack, email, password, "/settings")
        sections = editor.get_by_role("navigation", name="Settings sections")
        expect(sections.get_by_role("link", name="Projects")).to_be_visible()
        expect(sections.get_by_role("link", name="Users")).to_have_count(0)
        expect(sections.get_by_role("link", name="Audit log")).to_have_count(0)
        editor.goto("/settings/users")
        expect(editor.get_by_role("alert")).to_have_text(
            "Only administrators can open this screen."
        )
        expect(editor.get_by_role("table", name="Users")).to_have_count(0)
        editor.goto(f"/teachers/{teacher['_id']}")
        editor.get_by_role("button", name="Edit Remarks").click()
        editor.get_by_role("form", name="Remarks").get_by_label("Remarks").fill(
            "changed by the editor"
        )
        editor.get_by_role("form", name="Remarks").get_by_role("button", name="Save").click()
        expect(editor.get_by_text("changed by the editor")).to_be_visible()
    finally:
        context.close()
    # The admin finds the editor's change in the audit log, filtered by user.
    page.goto("/settings/audit")
    page.get_by_label("User").select_option(label=f"Erin Editor ({email})")
    page.get_by_label("Record type").select_option("teachers")
    table = page.get_by_role("table", name="Audit log entries, newest first")
    expect(page).to_have_url(re.compile("actor=.*entity=teachers|entity=teachers.*actor="))
    expect(table.get_by_role("row").filter(has_text="admin@example.com")).to_have_count(0)
    entry = table.get_by_role("row").filter(has_text="remarks")
    expect(entry).to_contain_text(email)
    expect(entry).to_contain_text("before")
    expect(entry).to_contain_text("changed by the editor")
    expect(entry.get_by_role("link", name=teacher["_id"])).to_be_visible()
    check_page(page, "settings-audit")


def test_the_vault_filters_sorts_and_opens_documents(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    project = make_project(stack)
    early = make_teacher(stack, project=project["_id"], firstName=unique("Early"))
    late = make_teacher(stack, project=project["_id"], firstName=unique("Late"))
    upload_passport(stack, early["_id"], day(30))
    upload_passport(stack, late["_id"], day(3000))
    sign_in(page, stack, "/documents")
    page.get_by_label("Project").select_option(project["_id"])
    expect(page.get_by_role("heading", name="Documents", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="8 documents")).to_be_visible()
    page.get_by_label("Status").select_option("valid")
    table = page.get_by_role("table", name="Documents of the selected project's teachers")
    names = table.get_by_role("link")
    expect(names).to_have_text([f"{early['firstName']} Tester", f"{late['firstName']} Tester"])
    check_page(page, "documents-vault")
    page.get_by_role("button", name="Expiry date").click()
    expect(names).to_have_text([f"{late['firstName']} Tester", f"{early['firstName']} Tester"])
    expect(page).to_have_url(re.compile("order=desc"))
    page.get_by_label("Status").select_option("expiring")
    page.get_by_label("Within days").fill("60")
    expect(names).to_have_text([f"{early['firstName']} Tester"])
    page.get_by_label("Status").select_option("missing")
    page.get_by_label("Search").fill(late["firstName"])
    expect(page.get_by_role("status").filter(has_text="3 documents")).to_be_visible()
    page.get_by_label("Status").select_option("valid")
    owner = f"{late['firstName']} Tester"
    page.get_by_role("button", name=f"Open Passport of {owner}").click()
    preview = page.get_by_role("dialog", name=re.compile("^Preview"))
    expect(preview).to_be_visible()
    preview.get_by_role("button", name="Close").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Download Passport of {owner}").click()
    assert Path(download.value.path()).read_bytes() == PDF
    table.get_by_role("link", name=owner).click()
    expect(page).to_have_url(re.compile(f"/teachers/{late['_id']}\\?tab=documents"))


def make_user(stack: Stack, role: str) -> tuple[str, str]:
    """A user of its own (their preferences are theirs alone); returns (email, password)."""
    email = f"{unique(role)}@example.org"
    password = f"{uuid.uuid4().hex}-Aa9!"
    status, body = stack.call(
        "POST",
        "/api/users",
        {"email": email, "name": unique("User "), "role": role, "password": password},
    )
    assert status == 201, body
    return email, password


def preferences_become(stack: Stack, email: str, password: str, **expected: Any) -> dict[str, Any]:
    """Wait (bounded) until the user's preferences on the server hold ``expected``."""
    login = requests.post(
        stack.base + "/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    saved: dict[str, Any] = {}
    for _ in range(100):
        saved = requests.get(
            stack.base + "/api/auth/me/preferences", headers=headers, timeout=30
        ).json()
        if all(saved.get(k) == v for k, v in expected.items()):
            break
        time.sleep(0.1)
    return saved


def test_preferences_follow_the_user_to_another_browser(
    page: Page, browser: Browser, stack: Stack, csp_violations: list[str]
) -> None:
    project = make_project(stack)
    email, password = make_user(stack, "viewer")
    sign_in_as(page, stack, email, password, "/settings/preferences")
    expect(page.get_by_role("heading", name="Preferences", level=2)).to_be_visible()
    page.get_by_label("Default project").select_option(project["_id"])
    expect(page.get_by_role("status").filter(has_text="Saved for your account.")).to_be_visible()
    page.get_by_role("checkbox", name="Degree").check()
    page.get_by_label("Theme", exact=True).last.select_option("dark")
    check_page(page, "settings-preferences-dark")
    page.get_by_label("Language", exact=True).last.select_option("zh-TW")
    expect(page.get_by_role("heading", name="偏好設定", level=2)).to_be_visible()
    saved = preferences_become(stack, email, password, language="zh-TW", theme="dark")
    assert saved["language"] == "zh-TW" and saved["theme"] == "dark", saved
    assert saved["defaultProject"] == project["_id"], saved
    assert "degree" in (saved["listColumns"] or []), saved
    # Another browser (nothing in its storage): the same choices once signed in.
    context = browser.new_context(base_url=stack.base, locale="en-US", timezone_id="UTC")
    other = context.new_page()
    try:
        sign_in_as(other, stack, email, password, "/teachers")
        expect(other.get_by_role("heading", name="教師", level=1)).to_be_visible()
        expect(other.locator("html")).to_have_class(re.compile(r"\bdark\b"))
        expect(other.get_by_label("專案")).to_have_value(project["_id"])
        expect(other.get_by_role("columnheader", name="學歷")).to_be_visible()
    finally:
        context.close()


def test_operations_maintenance_on_and_off_health_and_backups(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    sign_in(page, stack, "/settings/operations")
    health = page.get_by_role("region", name="Health")
    expect(health).to_contain_text("Database")
    expect(health).to_contain_text("OK")
    expect(page.get_by_role("table", name="Latest backups, newest first")).to_be_visible()
    maintenance = page.get_by_role("region", name="Maintenance mode")
    maintenance.get_by_label("Message to users").fill("Moving to the new server")
    maintenance.get_by_role("button", name="Turn maintenance on").click()
    expect(maintenance.get_by_role("status")).to_contain_text("Moving to the new server")
    expect(page.get_by_role("status").filter(has_text="Maintenance in progress")).to_be_visible()
    assert stack.call("GET", "/api/health")[1]["maintenance"]["enabled"] is True
    check_page(page, "settings-operations")
    # Editing is off everywhere meanwhile (the API refuses writes; the app shows no edit controls).
    page.get_by_role("link", name="Schools").click()
    expect(page.get_by_role("heading", name="Schools", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="New school")).to_have_count(0)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Operations").click()
    maintenance.get_by_role("button", name="Turn maintenance off").click()
    expect(maintenance.get_by_role("status")).to_contain_text("Off: editing is open")
    expect(page.get_by_role("status").filter(has_text="Maintenance in progress")).to_be_hidden()
    assert stack.call("GET", "/api/health")[1]["maintenance"] == {"enabled": False}


def test_every_new_page_passes_axe_in_both_themes(
    page: Page, stack: Stack, csp_violations: list[str]
) -> None:
    status, schools = stack.call("POST", "/api/schools", {"name": {"chinese": f"{chinese()}高中"}})
    assert status == 201, schools
    sign_in(page, stack)
    pages = [
        ("/", "heading", "Dashboard", "dashboard"),
        ("/schools", "heading", "Schools", "schools"),
        (f"/schools/{schools['_id']}", "region", "Contact details", "school-profile"),
        ("/documents", "heading", "Documents", "documents-vault"),
        *[
            (f"/settings/{p}", "navigation", "Settings sections", f"settings-{p}")
            for p in SETTINGS_PAGES
        ],
    ]
    for theme in ("light", "dark"):
        page.get_by_label("Theme").first.select_option(theme)
        for path, role, name, shot in pages:
            page.goto(path)
            expect(page.get_by_role(cast(Any, role), name=name).first).to_be_visible()
            page.wait_for_load_state("networkidle")
            check_page(page, f"{shot}-{theme}")
    page.get_by_label("Theme").first.select_option("system")
