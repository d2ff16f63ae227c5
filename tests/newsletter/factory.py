"""A small hand-built issue for tests that need one without going through an importer."""

from __future__ import annotations

from bot.newsletter.model import (
    Event,
    Foreword,
    Issue,
    Person,
    Policy,
    Quote,
    Section,
    Story,
    Upcoming,
)


def small_issue(number: int = 12, title: str = "Test newsletter") -> Issue:
    """Two sections, a quote, a Chinese line, two events, a policy and an upcoming item."""
    return Issue(
        number=number,
        month="2022-03",
        title=title,
        foreword=Foreword(
            paragraphs=["Welcome to this issue."],
            signatory=Person("Ada LOVELACE", "Chief of Mission, IOM China"),
        ),
        sections=[
            Section(
                "BORDER MANAGEMENT",
                [
                    Story(
                        "Workshop on Document Examination",
                        paragraphs=[
                            "On 3 March 2022, experts met in Shanghai.",
                            "证件检验研讨会",
                            "See https://example.org/report for details.",
                        ],
                        quotes=[Quote("It worked well.", "Li Wei", "Inspector", after=1)],
                    )
                ],
            ),
            Section(
                "INFOBITES",
                [
                    Story("POLICY CORNER", kind="policy_corner"),
                    Story("COMING SOON", kind="upcoming"),
                ],
            ),
        ],
        events=[
            Event(
                "Workshop on Document Examination",
                "2022-03-03",
                "2022-03-03",
                "Shanghai",
                "",
                "Workshop on Document Examination",
            ),
            Event("Study visit to Lisbon", "2022-01-30", "2022-02-02", "Lisbon", "", "Study visit"),
        ],
        upcoming=[Upcoming("Seminar on labour mobility", "2022-05", "2022-06", "May - June 2022")],
        policies=[
            Policy(
                "NEW VISA RULES",
                "2022-02-01",
                ["Shorter processing times."],
                [],
                "https://example.org/visa",
            )
        ],
    )
