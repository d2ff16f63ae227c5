"""Importing the text extracted from a newsletter PDF: the seed (9th issue) and a 10th issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.newsletter.text_import import MAX_BYTES, IssueImportError, import_bytes, import_text

SEED = Path(__file__).resolve().parents[2] / "bot" / "newsletter" / "samples" / "issue-09.txt"
TENTH = Path(__file__).resolve().parent / "fixtures" / "issue-10.txt"

# Expected counts for the seed, written before the importer by reading the file:
# - sections 4: the INDEX lists PAGE 2 PROJECT HIGHLIGHTS 2021, PAGE 3 MMSP II EVENTS IN 2020,
#   PAGE 5 IOM CHINA NEWS and PAGE 6 INFOBITES (the last two have no heading of their own in the
#   body: they start with their first story).
# - stories 9: the INDEX's "- " lines, 1 + 3 + 3 + 2; the INFOBITES stories are the policy corner
#   (printed as "PRELIMINARY OVERVIEW OF RECENT POLICY ...") and COMING SOON.
# - events 7: one per activity with a day-precise date in the reporting year: training 11 May 2021
#   (Beijing), seminar 10-11 Dec 2020 (Beijing, in-person + online = hybrid), technical meeting
#   26-27 Nov 2020 (webinar = online), field visit 28-30 Oct 2020 (Nanjing and Suzhou), the 70-20
#   anniversary 7 June 2021, GCM consultation 15 Apr 2021 (Beijing), network meeting 14-16 Apr 2021
#   (Beijing). Not events: 7 June 2001 (history, outside the reporting window), years alone
#   (1951, 2007, 2016), and the dates of policy items.
# - upcoming 4: the four "- " lines under COMING SOON.
# - policies 3: capitalised titles ending in a bracketed date (22 Jan, 28 April, 5 March 2021).
# - people 3: names printed on their own line with the role below: Giuseppe CROSETTI (foreword),
#   Hanna Antonova and Veronica Scarozza (quotes). People only named inside sentences (LIU Jingjie,
#   Elisaveta Voynova, Laura Scorretti) are not counted: nothing marks their role reliably.
SEED_COUNTS = {
    "sections": 4,
    "stories": 9,
    "events": 7,
    "upcoming": 4,
    "policies": 3,
    "people": 3,
    "warnings": 0,
}
# The 10th issue (written for these tests): 3 sections, 2 + 2 + 2 stories, events for the
# webinar (9 Sep), the study visit (18-21 Oct), the workshop (22-24 Nov) and the training
# (6-8 Dec), 3 upcoming items, 2 policy items, the signatory and 2 quoted speakers.
TENTH_COUNTS = {
    "sections": 3,
    "stories": 6,
    "events": 4,
    "upcoming": 3,
    "policies": 2,
    "people": 3,
    "warnings": 0,
}


def _counts(issue):
    summary = issue.summary()
    return {key: summary[key] for key in SEED_COUNTS}


@pytest.fixture(scope="module")
def seed():
    return import_bytes(SEED.read_bytes())


@pytest.fixture(scope="module")
def tenth():
    return import_bytes(TENTH.read_bytes())


def test_seed_imports_with_the_counts_read_by_hand(seed):
    assert (seed.number, seed.month) == (9, "2021-06")
    assert seed.title == "EU-CHINA DIALOGUE ON MIGRATION AND MOBILITY SUPPORT PROJECT - PHASE II"
    assert seed.masthead[0] == "Funded by the European Union"
    assert _counts(seed) == SEED_COUNTS, seed.warnings


def test_seed_sections_and_stories_follow_the_index(seed):
    assert [s.title for s in seed.sections] == [
        "PROJECT HIGHLIGHTS 2021",
        "MMSP II EVENTS IN 2020",
        "IOM CHINA NEWS",
        "INFOBITES",
    ]
    titles = [[story.title for story in s.stories] for s in seed.sections]
    assert titles[0] == [
        "Training for EU Embassies and Consulates on the Identification of Victims of "
        "Human Trafficking"
    ]
    assert titles[1][1] == "Technical Meeting on Immigration Systems: Policies and Regulations"
    assert titles[2] == [
        "IOM-CHINA 70-20 CELEBRATION",
        "NATIONAL CONSULTATION ON GLOBAL COMPACT FOR SAFE, ORDERLY AND REGULAR MIGRATION",
        "IOM ATTENDS THE SECOND INTERNATIONAL MIGRATION NETWORK MEETING",
    ]
    assert [story.kind for story in seed.sections[3].stories] == ["policy_corner", "upcoming"]


def test_seed_foreword_is_signed_and_quotes_keep_speaker_and_role(seed):
    assert seed.foreword.paragraphs[0].startswith("The 9th issue of the MMSP II newsletter")
    assert seed.foreword.paragraphs[-1] == "Keep following us on WeChat for more events and news!"
    signatory = seed.foreword.signatory
    assert (signatory.name, signatory.role) == ("Giuseppe CROSETTI", "Chief of Mission, IOM China")
    training = seed.sections[0].stories[0]
    assert [(q.speaker, q.role) for q in training.quotes] == [
        ("Hanna Antonova", "International Expert on Trafficking in Human Beings"),
        ("Veronica Scarozza", "Project Officer, Counter Trafficking, IOM China"),
    ]
    assert training.quotes[0].text.startswith("Identification of victims of trafficking is")
    # A quote is not also a paragraph, and it sits where it was printed.
    assert not any(p.startswith("Identification of victims") for p in training.paragraphs)
    assert training.quotes[0].after == 2


def test_seed_events_have_dates_places_and_formats(seed):
    events = {(e.start, e.end): e for e in seed.events}
    assert sorted(events) == [
        ("2020-10-28", "2020-10-30"),
        ("2020-11-26", "2020-11-27"),
        ("2020-12-10", "2020-12-11"),
        ("2021-04-14", "2021-04-16"),
        ("2021-04-15", "2021-04-15"),
        ("2021-05-11", "2021-05-11"),
        ("2021-06-07", "2021-06-07"),
    ]
    assert events[("2021-05-11", "2021-05-11")].place == "Beijing"
    assert events[("2020-12-10", "2020-12-11")].format == "hybrid"
    assert events[("2020-11-26", "2020-11-27")].format == "online"
    assert events[("2020-10-28", "2020-10-30")].place == "Nanjing and Suzhou, Jiangsu Province"
    assert events[("2021-04-14", "2021-04-16")].place == "Beijing, China"
    assert events[("2021-04-15", "2021-04-15")].story.startswith("NATIONAL CONSULTATION")


def test_seed_chinese_lines_urls_and_lists_are_kept(seed):
    gcm = seed.sections[2].stories[1]
    assert "安全、有序和正常移民全球契约 (GCM) 国家研讨会" in gcm.paragraphs
    celebration = seed.sections[2].stories[0]
    contents = [p for p in celebration.paragraphs if p.startswith("- Context")]
    assert contents and "\n  - Travel and Mobility Restrictions Matrix" in contents[0]


def test_seed_policy_corner_and_coming_soon(seed):
    assert [(p.title, p.date, len(p.bullets)) for p in seed.policies] == [
        ("THE 2021 WORKPLAN OF THE NATIONAL IMMIGRATION ADMINISTRATION", "2021-01-22", 3),
        ("CHINA ISSUES ITS THIRD ACTION PLAN TO FIGHT HUMAN TRAFFICKING", "2021-04-28", 5),
        (
            "CHINA TO EMBRACE MORE OPEN POLICIES ACCORDING TO ITS 14TH FIVE-YEAR PLAN",
            "2021-03-05",
            0,
        ),
    ]
    assert seed.policies[0].url == "https://www.nia.gov.cn/n897453/c1375184/content.html"
    assert seed.policies[2].url == "http://www.xinhuanet.com/english/2021-03/05/c_139786738.htm"
    assert len(seed.policies[2].paragraphs) == 5
    corner = seed.sections[3].stories[0]
    assert corner.paragraphs[0].startswith("IOM actively promotes dialogues")
    assert [(u.start, u.end) for u in seed.upcoming] == [
        ("2021-07", "2021-07"),
        ("2021-07", "2021-07"),
        ("2021-07", "2021-08"),
        ("2021-09", "2021-10"),
    ]
    assert seed.upcoming[2].title == "Second Field Visit in China for EU Officials"


def test_another_issue_in_the_same_layout_imports_right(tenth):
    assert (tenth.number, tenth.month) == (10, "2021-12")
    assert _counts(tenth) == TENTH_COUNTS, tenth.warnings
    assert [s.title for s in tenth.sections] == [
        "LABOUR MOBILITY",
        "BORDER MANAGEMENT",
        "INFOBITES",
    ]
    events = {e.start: e for e in tenth.events}
    assert (events["2021-10-18"].end, events["2021-10-18"].place) == ("2021-10-21", "Madrid")
    assert (events["2021-11-22"].place, events["2021-11-22"].format) == ("Shanghai", "hybrid")
    assert (events["2021-12-06"].end, events["2021-12-06"].format) == ("2021-12-08", "online")
    assert events["2021-09-09"].format == "online"
    people = [(p.name, p.role) for p in tenth.people]
    assert people == [
        ("Maria Keller", "Programme Manager, Migration Governance, IOM China"),
        ("Tomasz NOWAK", "Senior Adviser, Ministry of Family and Social Policy, Poland"),
        ("Chen Jing", "Deputy Director, Exit and Entry Administration, Shanghai"),
    ]
    assert [(u.start, u.end) for u in tenth.upcoming] == [
        ("2022-01", "2022-01"),
        ("2022-02", "2022-04"),
        ("2022-12", "2023-01"),
    ]
    assert [(p.date, p.url) for p in tenth.policies] == [
        ("2021-09-03", "https://www.example.org/policy/talents-2021"),
        ("2021-11-15", "https://www.example.org/policy/eu-pact-roadmap"),
    ]
    workshop = tenth.sections[1].stories[0]
    assert "- Day 1: trends in identity fraud" in workshop.paragraphs[1]
    assert "https://www.example.org/mmsp/study-visit-2021" in tenth.sections[0].stories[1].links


def test_unplaceable_lines_become_warnings_with_line_numbers():
    text = TENTH.read_text(encoding="utf-8")
    text = text.replace("COMING SOON\n", "COMING SOON\n\nSee you next year\n")
    text = text.replace(
        "- ONLINE TRAINING ON RISK ANALYSIS\n",
        "- ONLINE TRAINING ON RISK ANALYSIS\n- A STORY NOBODY WROTE\n",
    )
    issue = import_text(text)
    lines = text.splitlines()
    missing = lines.index("- A STORY NOBODY WROTE") + 1
    stray = lines.index("See you next year") + 1
    assert any(w.startswith(f"line {missing}:") and "not found" in w for w in issue.warnings)
    assert any(w.startswith(f"line {stray}:") for w in issue.warnings)


def test_markup_in_story_text_is_kept_as_text():
    text = TENTH.read_text(encoding="utf-8").replace(
        "The 45 participants", "<script>alert('x')</script> The 45 participants"
    )
    issue = import_text(text)
    assert (
        "<script>alert('x')</script> The 45 participants"
        in issue.sections[0].stories[0].paragraphs[1]
    )


def test_utf16_and_gbk_files_are_decoded():
    text = TENTH.read_text(encoding="utf-8")
    for data in (text.encode("utf-16"), text.encode("gbk"), b"\xef\xbb\xbf" + text.encode()):
        issue = import_bytes(data)
        assert issue.number == 10
        assert "技能认可网络研讨会" in issue.sections[0].stories[0].paragraphs


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"  \n\n \t\n", "empty"),
        (bytes(range(256)) * 8, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binary"),
        (b"Just some notes\nwith no newsletter masthead\n", "masthead"),
        (b"%PDF-1.7\n", "PDF"),
        ("Caf\u00e9 au lait\n".encode("latin-1") * 10, "encoding"),
    ],
)
def test_bad_input_is_refused_with_one_clear_line(data, message):
    with pytest.raises(IssueImportError) as caught:
        import_bytes(data)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    big = b"9TH ISSUE\nJUNE 2021\n" + b"x" * (10 * 1024 * 1024)
    assert len(big) > MAX_BYTES
    with pytest.raises(IssueImportError, match="limit"):
        import_bytes(big)
