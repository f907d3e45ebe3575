"""HR analytics in the browser: an HRIS import with a bad row, confirmed; pulse survey results."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_journeys import sign_in

HR = "hr@fjordhavn.example"

CSV = (
    "\ufeffemployee_number;first_name;last_name;email;department;manager_employee_number;job_title;hire_date;"
    "end_date;end_type;regretted;location\n"
    "N100;Åse;Fjeldstrøm;aase.fjeldstrom@nordlys.example;Nordlys Support;;Support Lead;2021-04-01;;;;Tromsø\n"
    "N101;Björn;Öberg;bjorn.oberg@nordlys.example;Nordlys Support;N100;Support Agent;2023-09-15;;;;Malmö\n"
    "N102;Kasper;Brøndum;kasper.brondum@nordlys.example;Nordlys Support;N100;Support Agent;15/09/2023;;;;Aarhus\n"
)


def test_hr_imports_a_csv_with_one_bad_row_sees_it_named_and_the_good_people_appear(page, live_server, tmp_path):
    path = tmp_path / "nordlys.csv"
    path.write_bytes(CSV.encode("utf-8"))
    sign_in(page, live_server, HR, "en")
    page.goto(live_server + "/analytics/hris")
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    # The preview: first rows and the detected columns.
    assert "Björn" in page.locator("table.import-preview").inner_text()
    assert page.locator("#map-11").input_value() == "attribute"  # location
    # The report names the bad row (the header is row 1), its column and why.
    report = page.locator("#rejected-rows tbody tr")
    assert report.count() == 1
    cells = report.first.locator("td").all_inner_texts()
    assert cells[0] == "4" and cells[1] == "hire_date" and "YYYY-MM-DD" in cells[2]
    screenshot(page, "analytics-hris-preview")
    page.get_by_role("button", name="Import 2 good rows").click()
    page.wait_for_load_state()
    assert "Imported 2 rows; 1 rejected." in page.inner_text("body")
    page.goto(live_server + "/people?q=nordlys")
    body = page.inner_text("main")
    assert "Fjeldstrøm, Åse" in body and "Öberg, Björn" in body and "Brøndum" not in body
    screenshot(page, "analytics-hris-people")


def test_an_employee_answers_the_open_pulse_once_and_hr_reads_thresholded_results(page, live_server):
    sign_in(page, live_server, "employee@fjordhavn.example", "en")
    panel = page.locator("article.pulse-panel")
    assert panel.is_visible()
    panel.get_by_role("link", name="Quarterly pulse").click()
    page.wait_for_load_state()
    assert "recommend Fjordhavn Group as a place to work" in page.inner_text("main")
    # Sending with nothing chosen puts the error next to the questions.
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert page.locator(".field-error", has_text="Choose an answer.").count() >= 1
    fieldsets = page.locator("form.pulse-form fieldset")
    fieldsets.nth(0).get_by_label("8", exact=True).check()
    for i in range(1, fieldsets.count()):
        box = fieldsets.nth(i)
        if box.locator("textarea").count():
            box.locator("textarea").fill("More pairing time would help.")
        else:
            box.get_by_label("Agree", exact=True).check()
    screenshot(page, "analytics-pulse-answer")
    answer_url = page.url
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_load_state()
    assert "Your answers are stored without your name." in page.inner_text("body")
    assert "There is no survey waiting for you." in page.inner_text("main")
    page.goto(answer_url)
    assert "You have already answered this survey." in page.inner_text("main")

    page.context.clear_cookies()
    sign_in(page, live_server, HR, "en")
    page.goto(live_server + "/analytics/")
    page.get_by_role("link", name="Quarterly pulse").click()
    page.wait_for_load_state()
    assert "eNPS over time" in page.inner_text("main")
    page.get_by_role("link", name="Results").first.click()
    page.wait_for_load_state()
    table = page.locator("table.pulse-results")
    first = table.locator("tbody tr").first
    assert first.locator("td").count() > 3  # the organisation as a whole is shown
    assert table.locator("tr.suppressed").count() >= 1
    assert "Hidden to protect anonymity" in table.inner_text()
    screenshot(page, "analytics-pulse-results")
