"""A small hand-built issue for tests that need one without going through an importer."""

from __future__ import annotations

from bot.newsletter import model


def small_issue(number: int = 12, title: str = "Test newsletter") -> model.Issue:
    """Two sections, a quote, a Chinese line, two events, a policy and an upcoming item."""
    return model.Issue(
        number=number,
        month="2022-03",
        title=title,
        foreword=model.Foreword(
            paragraphs=["Welcome to this issue."],
            signatory=model.Person("Ada LOVELACE", "Chief of Mission, IOM China"),
        ),
        sections=[
            model.Section(
                "BORDER MANAGEMENT",
                [
                    model.Story(
                        "Workshop on Document Examination",
                        paragraphs=[
                            "On 3 March 2022, experts met in Shanghai.",
                            "证件检验研讨会",
                            "See https://example.org/report for details.",
                        ],
                        quotes=[model.Quote("It worked well.", "Li Wei", "Inspector", after=1)],
                    )
                ],
            ),
            model.Section(
                "INFOBITES",
                [
                    model.Story("POLICY CORNER", kind="policy_corner"),
                    model.Story("COMING SOON", kind="upcoming"),
                ],
            ),
        ],
        events=[
            model.Event(
                "Workshop on Document Examination",
                "2022-03-03",
                "2022-03-03",
                "Shanghai",
                "",
                "Workshop on Document Examination",
            ),
            model.Event(
                "Study visit to Lisbon", "2022-01-30", "2022-02-02", "Lisbon", "", "Study visit"
            ),
        ],
        upcoming=[
            model.Upcoming("Seminar on labour mobility", "2022-05", "2022-06", "May - June 2022")
        ],
        policies=[
            model.Policy(
                "NEW VISA RULES",
                "2022-02-01",
                ["Shorter processing times."],
                [],
                "https://example.org/visa",
            )
        ],
    )
