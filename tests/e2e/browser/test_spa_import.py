"""The Import screen in the browser, against the real local stack (issue 11): an admin uploads a
spreadsheet, previews it (a row in error), applies it skipping that row, finds the teachers, and
undoes the import; a large file goes to S3 through the presigned POST; editors have no Import
screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.e2e.browser.conftest import Stack
from tests.e2e.browser.test_spa import check_page, make_project, unique
from tests.e2e.browser.test_spa_office import make_user, sign_in, sign_in_as


def teachers_of(stack: Stack, project_id: str) -> list[dict[str, Any]]:
    status, body = stack.call("GET", f"/api/teachers?projectId={project_id}&limit=50")
    assert status == 200, body
    return list(body)


def choose_file(page: Page, path: Path) -> None:
    page.get_by_label("Spreadsheet file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()


def test_an_admin_imports_teachers_skipping_an_error_row_then_undoes_it(
    page: Page, stack: Stack, csp_violations: list[str], tmp_path: Path
) -> None:
    project = make_project(stack)
    tag = unique("Imp")
    name = f"{tag}.csv"
    sheet = tmp_path / name
    sheet.write_text(
        "email,firstName,lastName,personalInfo.nationality.english\r\n"
        f"{tag.lower()}-ada@example.org,Ada{tag},Import,Canada\r\n"
        f"{tag.lower()}-bo@example.org,Bo{tag},Import,Canada\r\n"
        f"not-an-email,Bad{tag},Import,Canada\r\n",
        encoding="utf-8",
    )
    sign_in(page, stack, "/settings/import")
    expect(page.get_by_role("heading", name="Import", level=2)).to_be_visible()
    expect(page.get_by_text("CSV or XLSX, up to 10 MB and 5,000 rows")).to_be_visible()
    expect(page.get_by_role("radio", name="Teachers")).to_be_checked()
    page.get_by_label("Project of new teachers").select_option(project["_id"])
    choose_file(page, sheet)

    preview = page.get_by_role("region", name=f"Preview of {name}")
    expect(preview).to_be_visible()
    expect(preview.get_by_role("status")).to_contain_text("1 row has errors")
    table = preview.get_by_role("table", name="Rows of the file and what the import would do")
    expect(table.get_by_role("row")).to_have_count(4)  # header + three rows
    error_row = table.get_by_role("row").filter(has_text="not-an-email")
    expect(error_row).to_contain_text("Error")
    expect(error_row.get_by_role("cell").first).to_have_text("4")
    expect(error_row).to_contain_text("email:")
    expect(table.get_by_role("row").filter(has_text="Create")).to_have_count(2)
    preview.get_by_label("Show").select_option("error")
    expect(table.get_by_role("row")).to_have_count(2)
    check_page(page, "settings-import-preview")
    # All or nothing (the default) would import nothing: Apply waits for a choice.
    apply = preview.get_by_role("button", name="Apply the import")
    expect(apply).to_be_disabled()
    preview.get_by_role("radio", name="Skip the row with errors and import the others").check()
    apply.click()
    dialog = page.get_by_role("alertdialog", name=f"Apply the import of {name}?")
    expect(dialog).to_contain_text("1 rows with errors are skipped")
    dialog.get_by_role("button", name="Apply the import").click()
    expect(
        page.get_by_role("status").filter(
            has_text=f"{name} imported: 2 created, 0 updated, 0 unchanged, 1 skipped with errors."
        )
    ).to_be_visible()
    assert sorted(t["firstName"] for t in teachers_of(stack, project["_id"])) == [
        f"Ada{tag}",
        f"Bo{tag}",
    ]
    history = page.get_by_role("table", name="Past imports, newest first")
    row = history.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("Applied")
    expect(row).to_contain_text("admin@example.com")
    expect(row).to_contain_text("2 created, 0 updated, 0 unchanged, 1 with errors")
    check_page(page, "settings-import")

    # The teachers are in the teachers list of that project.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Teachers").click()
    page.get_by_label("Project", exact=True).select_option(project["_id"])
    page.get_by_label("Search").fill(tag)
    teachers = page.get_by_role("table")
    expect(teachers.get_by_role("link", name=re.compile(f"Ada{tag}"))).to_be_visible()
    expect(teachers.get_by_role("link", name=re.compile(f"Bo{tag}"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="2 teachers")).to_be_visible()

    # Undo: confirmed, then they are gone (from the API and the list).
    page.goto("/settings/import")
    history.get_by_role("button", name=re.compile(f"^Undo the import of {re.escape(name)}")).click()
    undo = page.get_by_role("alertdialog", name=f"Undo the import of {name}?")
    expect(undo).to_contain_text("The 2 records it created are deleted")
    undo.get_by_role("button", name="Undo").click()
    expect(
        page.get_by_role("status").filter(
            has_text=f"Import of {name} undone: 2 removed, 0 restored."
        )
    ).to_be_visible()
    expect(row).to_contain_text("Undone")
    expect(row).to_contain_text("undone by admin@example.com")
    assert teachers_of(stack, project["_id"]) == []
    page.goto(f"/teachers?search={tag}")
    expect(page.get_by_role("status").filter(has_text="0 teachers")).to_be_visible()

    # Both themes pass axe on the screen.
    page.get_by_label("Theme").first.select_option("dark")
    page.goto("/settings/import")
    expect(history).to_be_visible()
    page.wait_for_load_state("networkidle")
    check_page(page, "settings-import-dark")
    page.get_by_label("Theme").first.select_option("system")


def test_a_large_file_goes_through_storage_and_an_undo_refused_is_explained(
    page: Page, stack: Stack, csp_violations: list[str], tmp_path: Path
) -> None:
    """Above the inline limit (4 MB) the SPA asks for a presigned POST and sends the file to the
    local S3 server, which checks the policy; blank padding rows are skipped by the reader."""
    project = make_project(stack)
    tag = unique("Big")
    name = f"{tag}.csv"
    sheet = tmp_path / name
    with sheet.open("w", encoding="utf-8", newline="") as out:
        out.write("email,firstName,lastName\r\n")
        out.write(f"{tag.lower()}@example.org,{tag},Large\r\n")
        padding = " " * 1000 + "\r\n"
        out.write(padding * 4400)
    assert sheet.stat().st_size > 4 * 1024 * 1024
    sign_in(page, stack, "/settings/import")
    page.get_by_label("Project of new teachers").select_option(project["_id"])
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/imports")):
        choose_file(page, sheet)
    preview = page.get_by_role("region", name=f"Preview of {name}")
    table = preview.get_by_role("table", name="Rows of the file and what the import would do")
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("row").nth(1)).to_contain_text("Create")
    preview.get_by_role("button", name="Apply the import").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Apply the import").click()
    applied = page.get_by_role("status").filter(has_text=f"{name} imported: 1 created")
    expect(applied).to_be_visible()
    (teacher,) = teachers_of(stack, project["_id"])
    # Someone edits the teacher: the undo is refused, and says which row and why.
    status, body = stack.call("PATCH", f"/api/teachers/{teacher['_id']}", {"remarks": "edited"})
    assert status == 200, body
    history = page.get_by_role("table", name="Past imports, newest first")
    history.get_by_role("button", name=re.compile(f"^Undo the import of {re.escape(name)}")).click()
    undo = page.get_by_role("alertdialog", name=f"Undo the import of {name}?")
    undo.get_by_role("button", name="Undo").click()
    refusal = undo.get_by_role("alert")
    expect(refusal).to_contain_text("This conflicts with existing data.")
    expect(refusal).to_contain_text("row 2: changed since the import")
    undo.get_by_role("button", name="Cancel").click()
    assert len(teachers_of(stack, project["_id"])) == 1


def test_an_editor_has_no_import_screen(page: Page, browser: Browser, stack: Stack) -> None:
    email, password = make_user(stack, "editor")
    sign_in_as(page, stack, email, password, "/settings")
    sections = page.get_by_role("navigation", name="Settings sections")
    expect(sections.get_by_role("link", name="Projects")).to_be_visible()
    expect(sections.get_by_role("link", name="Import")).to_have_count(0)
    page.goto("/settings/import")
    expect(page.get_by_role("alert")).to_have_text("Only administrators can open this screen.")
    expect(page.get_by_label("Spreadsheet file")).to_have_count(0)
    expect(page.get_by_role("table", name="Past imports, newest first")).to_have_count(0)
