"""The Redis store: versions, confirmation, atomic saves and the indexes searches read."""

from __future__ import annotations

import pytest

from bot.newsletter import store
from bot.newsletter.model import Issue
from tests.newsletter.factory import small_issue


def test_a_new_issue_is_current_and_listed(redis_client):
    result = store.save_issue(redis_client, small_issue(12))
    assert (result.version, result.status) == (1, "current")
    assert store.get_issue(redis_client, 12) == small_issue(12)
    assert store.latest_number(redis_client) == 12
    assert store.list_issues(redis_client) == [
        {"number": 12, "month": "2022-03", "title": "Test newsletter"}
    ]


def test_latest_is_the_highest_number_not_the_last_saved(redis_client):
    store.save_issue(redis_client, small_issue(12))
    store.save_issue(redis_client, small_issue(3))
    assert store.latest_number(redis_client) == 12
    assert [s["number"] for s in store.list_issues(redis_client)] == [12, 3]


def test_empty_store_has_no_latest_issue(redis_client):
    assert store.latest_number(redis_client) is None
    assert store.get_issue(redis_client, 1) is None
    assert store.list_issues(redis_client) == []


def test_reimport_is_pending_until_confirmed_and_keeps_the_previous(redis_client):
    store.save_issue(redis_client, small_issue(12, title="First"))
    again = store.save_issue(redis_client, small_issue(12, title="Corrected"))
    assert (again.version, again.status) == (2, "pending")
    assert store.get_issue(redis_client, 12).title == "First"
    assert store.get_issue(redis_client, 12, "pending").title == "Corrected"
    assert store.list_issues(redis_client)[0]["title"] == "First"

    assert store.confirm_issue(redis_client, 12) == 2
    assert store.get_issue(redis_client, 12).title == "Corrected"
    assert store.get_issue(redis_client, 12, "previous").title == "First"
    assert store.get_issue(redis_client, 12, "pending") is None
    assert store.list_issues(redis_client)[0]["title"] == "Corrected"


def test_confirm_without_pending_version_is_refused(redis_client):
    store.save_issue(redis_client, small_issue(12))
    with pytest.raises(store.StoreError, match="no pending version"):
        store.confirm_issue(redis_client, 12)


def test_confirmed_version_replaces_the_old_index_entries(redis_client):
    store.save_issue(redis_client, small_issue(12))
    changed = small_issue(12)
    changed.events = changed.events[1:]
    changed.sections[0].stories[0].title = "Seminar on Visas"
    store.save_issue(redis_client, changed)
    # Pending versions are not searchable yet.
    assert len(store.events_in_month(redis_client, "2022-03")) == 1
    store.confirm_issue(redis_client, 12)
    assert store.events_in_month(redis_client, "2022-03") == []
    assert store.find_stories(redis_client, "workshop") == []
    assert [s["title"] for s in store.find_stories(redis_client, "seminar visas")] == [
        "Seminar on Visas"
    ]


def test_events_are_found_by_month_period_and_keyword(redis_client):
    store.save_issue(redis_client, small_issue(12))
    march = store.events_in_month(redis_client, "2022-03")
    assert [(e["issue"], e["title"], e["start"]) for e in march] == [
        (12, "Workshop on Document Examination", "2022-03-03")
    ]
    # A visit from 30 January to 2 February is found in both months.
    assert [e["place"] for e in store.events_in_month(redis_client, "2022-02")] == ["Lisbon"]
    assert [e["place"] for e in store.events_in_month(redis_client, "2022-01")] == ["Lisbon"]
    period = store.events_in_period(redis_client, "2022-01", "2022-03")
    assert [e["place"] for e in period] == ["Lisbon", "Shanghai"]
    assert [e["place"] for e in store.find_events(redis_client, "Shanghai workshop")] == [
        "Shanghai"
    ]
    assert store.find_events(redis_client, "Shanghai Lisbon") == []


def test_stories_are_found_by_english_words_and_chinese_bigrams(redis_client):
    store.save_issue(redis_client, small_issue(12))
    by_word = store.find_stories(redis_client, "DOCUMENT")
    assert [(s["issue"], s["section"], s["story"]) for s in by_word] == [(12, 0, 0)]
    assert by_word[0]["section_title"] == "BORDER MANAGEMENT"
    assert [s["title"] for s in store.find_stories(redis_client, "检验")] == [
        "Workshop on Document Examination"
    ]
    assert store.find_stories(redis_client, "the of") == []


def test_policies_and_upcoming_items_are_read_without_loading_the_issue(redis_client):
    store.save_issue(redis_client, small_issue(12))
    assert [p["title"] for p in store.find_policies(redis_client, "visa")] == ["NEW VISA RULES"]
    assert store.upcoming_items(redis_client, 12) == [
        {
            "title": "Seminar on labour mobility",
            "start": "2022-05",
            "end": "2022-06",
            "period": "May - June 2022",
        }
    ]


def test_a_failed_save_stores_nothing(redis_client):
    broken = small_issue(12)
    broken.events[0].start = "2022-13-45"  # not a date: index building fails before any write
    with pytest.raises(ValueError):
        store.save_issue(redis_client, broken)
    assert redis_client.keys("issue:*") == []


def test_stored_issue_reads_back_through_its_json_form(redis_client):
    issue = small_issue(12)
    store.save_issue(redis_client, issue)
    assert Issue.from_dict(issue.to_dict()) == store.get_issue(redis_client, 12)
