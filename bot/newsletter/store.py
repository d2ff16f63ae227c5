"""Issues in Redis (keys under `issue:`), versioned, with indexes that searches read directly.

Keys (n = issue number, k = version):
  issue:numbers                      zset of numbers that have a current version (score = number)
  issue:summaries                    hash n -> JSON {number, month, title} of the current version
  issue:{n}:meta                     hash: versions (count), current, previous, pending,
                                     v{k}:saved_at, v{k}:source
  issue:{n}:v:{k}                    the issue's JSON, version k (every version is kept)
  issue:{n}:upcoming                 JSON list of the current version's COMING SOON items
  issue:{n}:indexed                  JSON list of [key, member] index entries of the current version
  issue:idx:events:month:{YYYY-MM}   zset of event JSON (with "issue"), score = start as YYYYMMDD
  issue:idx:events:all               the same members, every event of every current issue
  issue:idx:events:word:{token}      same members, by search token, score = MATCH + the
                                     token's weight in the item
  issue:idx:stories:word:{token}     zset of {issue, section, story, title, section_title, lead},
                                     score = MATCH + the token's weight (title, body, caption)
  issue:idx:policies:word:{token}    zset of {issue, index, title, date, url}, score as above
  issue:idx:announced                zset of COMING SOON items {issue, index, title, start, end,
                                     period}, score = the last month of the period as YYYYMM
  issue:idx:announced:word:{token}   the same members by search token
  issue:{n}:vocab                    set of the issue's Latin words (typo correction)
  issue:idx:version                  counter raised whenever the indexes change
  issue:photo:{sha256}               a photo's JPEG or PNG bytes (bot/newsletter/images.py)
Tokens are those of bot/newsletter/tokens.py: words, Chinese words and the glossary's ideas.
Every write happens in one MULTI/EXEC guarded by WATCH on the meta hash, so an import stores a
whole issue or nothing, and a concurrent writer makes the other retry instead of interleaving.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date

import redis

from bot.newsletter import tokens
from bot.newsletter.images import DEFAULT_BUDGET, store_issue_photos
from bot.newsletter.model import Issue, ModelError, check_identity
from bot.newsletter.tokens import tokenize

log = logging.getLogger(__name__)

NUMBERS = "issue:numbers"
SUMMARIES = "issue:summaries"
ANNOUNCED = "issue:idx:announced"
# A word-index score is MATCH plus the token's weight in the item (below 10), so that the sum
# of an item's scores over a query's terms (ZUNION) says how many terms it has and how strongly.
MATCH = 100.0
# A newer issue's items rank a hair above an older one's with the same words.
RECENCY = 1e-4
INDEX_VERSION = "issue:idx:version"
_MAX_EVENT_MONTHS = 24


class StoreError(ValueError):
    """A store operation cannot be done as asked; the message is one line."""


@dataclass(frozen=True)
class SaveResult:
    """What save_issue did: the version written and whether it is current or pending."""

    number: int
    version: int
    status: str  # "current" or "pending"


def _text(value) -> str | None:
    """A Redis reply as str, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else value


def _meta_key(number: int) -> str:
    """The hash holding an issue's version bookkeeping."""
    return f"issue:{number}:meta"


def _version_key(number: int, version: int) -> str:
    """The key of one stored version of an issue."""
    return f"issue:{number}:v:{version}"


def _member(data: dict) -> str:
    """Canonical JSON, so the same entry is always the same sorted-set member."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _months(start: str, end: str) -> list[str]:
    """The YYYY-MM months an event spans (capped, so a typo cannot write thousands of keys)."""
    first = date.fromisoformat(start)
    last = date.fromisoformat(end or start)
    year, month = first.year, first.month
    months: list[str] = []
    while (year, month) <= (last.year, last.month) and len(months) < _MAX_EVENT_MONTHS:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _lead(paragraphs: list[str], limit: int = 110) -> str:
    """The story's opening words (a line of context for search answers), cut at a word;
    captions and ornaments ("1951 - 2021") are passed over."""
    told = [p for p in paragraphs if not tokens.is_ornament(p)]
    text = " ".join((told or paragraphs)[:1]).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:") + "…"


def _month_score(month: str) -> float:
    return float(month[:7].replace("-", "")) if len(month) >= 7 else 0.0


def _story_fields(story) -> list[tuple[str, str]]:
    fields = [(tokens.TITLE, story.title)]
    for paragraph in story.paragraphs:
        kind = tokens.CAPTION if tokens.is_ornament(paragraph) else tokens.BODY
        fields.append((kind, paragraph))
    fields += [(tokens.BODY, q.text) for q in story.quotes]
    return fields


def index_entries(issue: Issue) -> list[tuple[str, str, float]]:
    """The (key, member, score) index entries of an issue; a word entry's score is the
    token's weight in the item (titles above body text above captions)."""
    n = issue.number
    entries: list[tuple[str, str, float]] = []
    section_of = {t.title: s.title for s in issue.sections for t in s.stories}
    for event in issue.events:
        data = {"issue": n, **event.to_dict()}
        if event.story in section_of:
            data["section_title"] = section_of[event.story]
        member = _member(data)
        score = float(event.start.replace("-", "") or 0)
        entries.append(("issue:idx:events:all", member, score))
        for month in _months(event.start, event.end) if event.start else []:
            entries.append((f"issue:idx:events:month:{month}", member, score))
        fields = [(tokens.TITLE, event.title), (tokens.BODY, f"{event.place} {event.format}")]
        for token, weight in tokens.weighted(fields).items():
            entries.append((f"issue:idx:events:word:{token}", member, MATCH + weight + n * RECENCY))
    for s_index, section in enumerate(issue.sections):
        for t_index, story in enumerate(section.stories):
            member = _member(
                {
                    "issue": n,
                    "section": s_index,
                    "story": t_index,
                    "title": story.title,
                    "section_title": section.title,
                    "lead": _lead(story.paragraphs),
                }
            )
            for token, weight in tokens.weighted(_story_fields(story)).items():
                entries.append(
                    (f"issue:idx:stories:word:{token}", member, MATCH + weight + n * RECENCY)
                )
    for p_index, policy in enumerate(issue.policies):
        member = _member(
            {
                "issue": n,
                "index": p_index,
                "title": policy.title,
                "date": policy.date,
                "url": policy.url,
            }
        )
        body = " ".join([*policy.bullets, *policy.paragraphs])
        for token, weight in tokens.weighted(
            [(tokens.TITLE, policy.title), (tokens.BODY, body)]
        ).items():
            entries.append(
                (f"issue:idx:policies:word:{token}", member, MATCH + weight + n * RECENCY)
            )
    for u_index, item in enumerate(issue.upcoming, 1):
        member = _member({"issue": n, "index": u_index, **item.to_dict()})
        last = item.end or item.start or issue.month
        entries.append((ANNOUNCED, member, _month_score(last)))
        for token, weight in tokens.weighted([(tokens.TITLE, item.title)]).items():
            entries.append((f"{ANNOUNCED}:word:{token}", member, MATCH + weight + n * RECENCY))
    return entries


def vocabulary(entries: list[tuple[str, str, float]]) -> set[str]:
    """The Latin words of four letters or more of an issue's index entries (what typos are
    corrected to)."""
    words: set[str] = set()
    for key, _, _ in entries:
        token = key.rpartition(":word:")[2] if ":word:" in key else ""
        if len(token) >= 4 and token.isascii() and token.isalpha():
            words.add(token)
    return words


def _make_current(pipe, issue: Issue, old_entries: list) -> None:
    """Queue the writes that make this issue's version the one indexes and lists show."""
    n = issue.number
    for key, member in old_entries:
        pipe.zrem(key, member)
    entries = index_entries(issue)
    for key, member, score in entries:
        pipe.zadd(key, {member: score})
    pipe.set(f"issue:{n}:indexed", json.dumps([[k, m] for k, m, _ in entries], ensure_ascii=False))
    pipe.set(
        f"issue:{n}:upcoming",
        json.dumps([u.to_dict() for u in issue.upcoming], ensure_ascii=False),
    )
    pipe.hset(SUMMARIES, str(n), _member({"number": n, "month": issue.month, "title": issue.title}))
    pipe.zadd(NUMBERS, {str(n): n})
    pipe.delete(f"issue:{n}:vocab")
    words = vocabulary(entries)
    if words:
        pipe.sadd(f"issue:{n}:vocab", *sorted(words))
    pipe.incr(INDEX_VERSION)


def _old_entries(pipe, number: int) -> list:
    """The [key, member] index entries written for the issue's current version."""
    raw = _text(pipe.get(f"issue:{number}:indexed"))
    return json.loads(raw) if raw else []


def save_issue(
    r: redis.Redis, issue: Issue, source: str = "", photo_budget: int = DEFAULT_BUDGET
) -> SaveResult:
    """Store an issue whole or not at all: current if its number is new, else a pending version.

    Its photos' bytes are stored first (by hash, so a retry rewrites nothing); photos beyond the
    budget or without bytes raise images.PhotoError before anything of the issue is written.
    """
    try:
        check_identity(issue.number, issue.month)
    except ModelError as exc:
        raise StoreError(str(exc)) from None
    n = issue.number
    store_issue_photos(r, issue, photo_budget)
    payload = json.dumps(issue.to_dict(), ensure_ascii=False)
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(_meta_key(n))
                meta = {_text(k): _text(v) for k, v in pipe.hgetall(_meta_key(n)).items()}
                version = int(meta.get("versions", 0)) + 1
                is_new = "current" not in meta
                old = [] if is_new else None
                pipe.multi()
                pipe.set(_version_key(n, version), payload)
                pipe.hset(
                    _meta_key(n),
                    mapping={
                        "versions": version,
                        f"v{version}:saved_at": int(time.time()),
                        f"v{version}:source": source,
                    },
                )
                if is_new:
                    _make_current(pipe, issue, old)
                    pipe.hset(_meta_key(n), "current", version)
                else:
                    pipe.hset(_meta_key(n), "pending", version)
                pipe.execute()
                break
            except redis.WatchError:
                continue
    status = "current" if is_new else "pending"
    log.info("issue %s stored as version %s (%s)", n, version, status)
    return SaveResult(n, version, status)


def confirm_issue(r: redis.Redis, number: int) -> int:
    """Make the pending version of an issue current (the old one becomes previous); return it."""
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(_meta_key(number))
                meta = {_text(k): _text(v) for k, v in pipe.hgetall(_meta_key(number)).items()}
                if "pending" not in meta:
                    raise StoreError(f"issue {number} has no pending version to confirm")
                pending = int(meta["pending"])
                raw = _text(pipe.get(_version_key(number, pending)))
                issue = Issue.from_dict(json.loads(raw))
                old = _old_entries(pipe, number)
                pipe.multi()
                _make_current(pipe, issue, old)
                pipe.hset(
                    _meta_key(number),
                    mapping={"current": pending, "previous": meta.get("current", "")},
                )
                pipe.hdel(_meta_key(number), "pending")
                pipe.execute()
                break
            except redis.WatchError:
                continue
    log.info("issue %s version %s confirmed as current", number, pending)
    return pending


def reindex(r: redis.Redis, number: int) -> bool:
    """Write the current version's index entries again (after the glossary or the tokens
    changed); False when the issue has no current version."""
    with r.pipeline() as pipe:
        while True:
            try:
                pipe.watch(_meta_key(number))
                current = _text(pipe.hget(_meta_key(number), "current"))
                if not current:
                    return False
                raw = _text(pipe.get(_version_key(number, int(current))))
                issue = Issue.from_dict(json.loads(raw))
                old = _old_entries(pipe, number)
                pipe.multi()
                _make_current(pipe, issue, old)
                pipe.execute()
                return True
            except redis.WatchError:
                continue


def discard_pending(r: redis.Redis, number: int) -> bool:
    """Drop the pending mark of an issue (its version stays stored); True if there was one."""
    return bool(r.hdel(_meta_key(number), "pending"))


def issue_meta(r: redis.Redis, number: int) -> dict[str, str]:
    """The version bookkeeping of an issue (versions, current, previous, pending, saved_at...)."""
    return {_text(k): _text(v) for k, v in r.hgetall(_meta_key(number)).items()}


def get_issue(r: redis.Redis, number: int, version: int | str | None = None) -> Issue | None:
    """An issue by number: the current version, or "pending", "previous" or a version number."""
    if version is None or isinstance(version, str):
        field = version or "current"
        chosen = _text(r.hget(_meta_key(number), field))
        if not chosen:
            return None
        version = int(chosen)
    raw = _text(r.get(_version_key(number, version)))
    return Issue.from_dict(json.loads(raw)) if raw else None


def latest_number(r: redis.Redis) -> int | None:
    """The highest issue number that has a current version, or None when none is stored."""
    top = r.zrevrange(NUMBERS, 0, 0)
    return int(_text(top[0])) if top else None


def list_issues(r: redis.Redis) -> list[dict]:
    """Every stored issue's number, month and title (current versions), newest number first."""
    summaries = [json.loads(_text(v)) for v in r.hvals(SUMMARIES)]
    return sorted(summaries, key=lambda s: s["number"], reverse=True)


def upcoming_items(r: redis.Redis, number: int) -> list[dict]:
    """The COMING SOON items of an issue's current version as dicts (title, start, end, period)."""
    raw = _text(r.get(f"issue:{number}:upcoming"))
    return json.loads(raw) if raw else []


def events_in_month(r: redis.Redis, month: str) -> list[dict]:
    """Events (each with its issue number) taking place in a YYYY-MM month, by start date."""
    return [json.loads(_text(m)) for m in r.zrange(f"issue:idx:events:month:{month}", 0, -1)]


def events_in_period(r: redis.Redis, first_month: str, last_month: str) -> list[dict]:
    """Events touching any month from first_month to last_month (YYYY-MM), by start date."""
    found: dict[str, float] = {}
    for month in _months(f"{first_month}-01", f"{last_month}-01"):
        for member, score in r.zrange(f"issue:idx:events:month:{month}", 0, -1, withscores=True):
            found[_text(member)] = score
    return [json.loads(m) for m, _ in sorted(found.items(), key=lambda kv: kv[1])]


def _search(r: redis.Redis, kind: str, query: str | list[str], newest_first: bool) -> list[dict]:
    """Index members of `kind` found under every token of the query: newest issue first, or
    (events) by date."""
    wanted = tokenize(query) if isinstance(query, str) else set(query)
    if not wanted:
        return []
    found: set[str] | None = None
    for token in wanted:
        hits = {_text(m) for m in r.zrange(f"issue:idx:{kind}:word:{token}", 0, -1)}
        found = hits if found is None else found & hits
        if not found:
            return []
    items = [json.loads(m) for m in found or ()]
    if kind == "events":
        items.sort(key=lambda e: e.get("start", ""), reverse=newest_first)
    else:
        items.sort(key=lambda e: (e["issue"], e.get("index", 0)), reverse=newest_first)
    return items


def find_events(r: redis.Redis, query: str) -> list[dict]:
    """Events whose title, place, story or format has every keyword of the query, by date."""
    return _search(r, "events", query, newest_first=False)


def newest_events_with(r: redis.Redis, terms: list[str], limit: int) -> tuple[list[dict], int]:
    """The newest `limit` events that have every one of the search terms, and how many have
    them; Redis intersects the word indexes with the dated list of all events (ZINTERSTORE
    into a scratch key, deleted in the same round trip)."""
    if not terms:
        return [], 0
    scratch = f"issue:idx:scratch:{os.urandom(8).hex()}"
    keys = ["issue:idx:events:all", *(f"issue:idx:events:word:{t}" for t in terms)]
    pipe = r.pipeline(transaction=False)
    pipe.zinterstore(scratch, dict.fromkeys(keys, 0) | {keys[0]: 1})
    pipe.zrevrange(scratch, 0, limit - 1)
    pipe.delete(scratch)
    total, rows, _ = pipe.execute()
    return [json.loads(_text(m)) for m in rows], total


def find_stories(r: redis.Redis, query: str) -> list[dict]:
    """Stories (issue, section, story index, titles) with every keyword, newest issue first."""
    return _search(r, "stories", query, newest_first=True)


def find_policies(r: redis.Redis, query: str) -> list[dict]:
    """Policy items (issue, index, title, date, url) with every keyword, newest issue first."""
    return _search(r, "policies", query, newest_first=True)


def all_events(r: redis.Redis, newest_first: bool = True, limit: int = 0) -> list[dict]:
    """Every event of every current issue (the first `limit` when given), by start date
    (newest first unless asked otherwise)."""
    rows = r.zrange("issue:idx:events:all", 0, limit - 1 if limit else -1, desc=newest_first)
    return [json.loads(_text(m)) for m in rows]


def postings(r: redis.Redis, kinds: tuple[str, ...], terms: list[str]) -> dict[str, list[list]]:
    """Each kind's word index of each term, as [(member JSON, score)] lists in the terms'
    order; one round trip for all (none for what a ContentReads client keeps)."""
    pipe = r.pipeline(transaction=False)
    for kind in kinds:
        key = ANNOUNCED if kind == "announced" else f"issue:idx:{kind}"
        for term in terms:
            pipe.zrange(f"{key}:word:{term}", 0, -1, withscores=True)
    results = iter(pipe.execute()) if kinds and terms else iter(())
    return {kind: [next(results) for _ in terms] for kind in kinds}


def match_scores(
    r: redis.Redis,
    kinds: tuple[str, ...],
    terms: list[str],
    need: int = 1,
    limit: int | None = None,
    lists: dict[str, list[list]] | None = None,
) -> dict[str, tuple[list[tuple[str, int, float]], int]]:
    """Index members of each kind (stories, events, policies, announced) with at least `need`
    of the search terms, best first: ([(member JSON, terms it has, sum of their weights)], how
    many there are in all). The terms' word indexes are read (or handed in as `lists`, from
    postings()) and their scores added up here, ranked as Redis ranks a union of them (higher
    score first, then the member later in byte order): no scratch key, one round trip at most.
    Members stay JSON text: the caller parses only those it shows."""
    out: dict[str, tuple[list[tuple[str, int, float]], int]] = {k: ([], 0) for k in kinds}
    if not terms:
        return out
    if lists is None:
        lists = postings(r, kinds, terms)
    floor = need * MATCH
    for kind in kinds:
        sums: dict = {}
        for rows in lists[kind]:
            for member, score in rows:
                sums[member] = sums.get(member, 0.0) + score
        ranked = sorted(
            ((score, _text(member)) for member, score in sums.items() if score >= floor),
            reverse=True,
        )
        shown = ranked[:limit] if limit else ranked
        found = []
        for score, member in shown:
            count = int(score // MATCH)
            found.append((member, count, score - count * MATCH))
        out[kind] = (found, len(ranked))
    return out


_ISSUE_IN_MEMBER = re.compile(r'"issue":(\d+)')


def member_issue(member: str) -> int:
    """The issue number of an index member, read without parsing its JSON."""
    found = _ISSUE_IN_MEMBER.search(member)
    return int(found.group(1)) if found else 0


def event_numbers(r: redis.Redis, events: list[dict]) -> list[int]:
    """The number "event N" gives each of these events (its place, newest first, among all)."""
    if not events:
        return []
    pipe = r.pipeline(transaction=False)
    queue_event_numbers(pipe, events)
    return read_event_numbers(pipe.execute())


def queue_event_numbers(pipe, events: list[dict]) -> None:
    for event in events:
        pipe.zrevrank("issue:idx:events:all", _member(event))


def read_event_numbers(ranks: list) -> list[int]:
    return [(rank + 1) if isinstance(rank, int) else 0 for rank in ranks]


def event_by_number(r: redis.Redis, number: int) -> dict | None:
    """Event N of all events, newest first (what "event N" asks), None past the end."""
    if number < 1:
        return None
    rows = r.zrevrange("issue:idx:events:all", number - 1, number - 1)
    return json.loads(_text(rows[0])) if rows else None


def event_count(r: redis.Redis) -> int:
    return r.zcard("issue:idx:events:all")


def index_version(r: redis.Redis) -> int:
    return int(_text(r.get(INDEX_VERSION)) or 0)


def vocabulary_of(r: redis.Redis) -> set[str]:
    """The Latin words of every current issue (read when the index version changed)."""
    numbers = [_text(n) for n in r.zrange(NUMBERS, 0, -1)]
    if not numbers:
        return set()
    return {_text(w) for w in r.sunion([f"issue:{n}:vocab" for n in numbers])}


def announcements_ending_from(r: redis.Redis, month: str) -> list[dict]:
    """COMING SOON items of every issue whose period ends in `month` (YYYY-MM) or later, by
    their start; an item announced again by a later issue is listed once (the later one)."""
    rows = r.zrangebyscore(ANNOUNCED, _month_score(month), "+inf")
    return _unique_announcements(json.loads(_text(m)) for m in rows)


def announcements_in_period(r: redis.Redis, first_month: str, last_month: str) -> list[dict]:
    """COMING SOON items of every issue whose period touches first_month..last_month."""
    rows = r.zrangebyscore(ANNOUNCED, _month_score(first_month), "+inf")
    items = (json.loads(_text(m)) for m in rows)
    return _unique_announcements(
        i for i in items if (i.get("start") or i.get("end") or "9999")[:7] <= last_month
    )


def find_announcements(r: redis.Redis, terms: list[str]) -> list[dict]:
    """COMING SOON items of every issue with every one of the search terms."""
    hits, _ = match_scores(r, ("announced",), terms, need=len(set(terms)))["announced"]
    return _unique_announcements(json.loads(m) for m, _, _ in hits)


def newest_announcements(r: redis.Redis) -> list[dict]:
    """The newest issue's COMING SOON items, numbered as the index numbers them."""
    number = latest_number(r)
    if number is None:
        return []
    return [
        {"issue": number, "index": i, **item} for i, item in enumerate(upcoming_items(r, number), 1)
    ]


def _unique_announcements(items) -> list[dict]:
    by_title: dict[str, dict] = {}
    for item in items:
        key = " ".join(item["title"].casefold().split())
        if key not in by_title or by_title[key]["issue"] < item["issue"]:
            by_title[key] = item
    return sorted(
        by_title.values(), key=lambda i: (i.get("start") or "9999", i["issue"], i["index"])
    )
