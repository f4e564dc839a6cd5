"""A :class:`MethodResult` as plain JSON values and back, so the close can store the whole
count on the proposal (``Proposal.result``) and the page and the CSV show exactly what was
decided, without counting again.

Pure: no database. ``to_json(r)`` then ``from_json`` gives an equal result. A round's
counts are stored as ``[option, votes]`` pairs so their display order survives any JSON
store.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from purposes.methods.result import Electorate, MethodResult, Outcome, Round
from purposes.methods.ties import TieBreak

__all__ = ["BALLOTS_CSV_HEADER", "ballots_csv", "from_json", "read_ballots_csv", "to_json"]


def to_json(result: MethodResult) -> dict[str, Any]:
    return {
        "method": result.method,
        "outcome": str(result.outcome),
        "explanation": result.explanation,
        "cast": result.cast,
        "quorum": result.quorum,
        "electorate": {"size": result.electorate.size, "active": result.electorate.active},
        "rounds": [
            {
                "number": r.number,
                "counts": [[option, votes] for option, votes in r.counts.items()],
                "exhausted": r.exhausted,
                "eliminated": list(r.eliminated),
                "elected": r.elected,
            }
            for r in result.rounds
        ],
        "winner": result.winner,
        "tie_breaks": [
            {
                "seed": t.seed,
                "tied": list(t.tied),
                "order": list(t.order),
                "chosen": t.chosen,
                "purpose": t.purpose,
                "round": t.round,
            }
            for t in result.tie_breaks
        ],
        "labels": [[option, label] for option, label in result.labels.items()],
    }


def from_json(data: dict[str, Any]) -> MethodResult:
    return MethodResult(
        method=data["method"],
        outcome=Outcome(data["outcome"]),
        explanation=data["explanation"],
        cast=data["cast"],
        quorum=data["quorum"],
        electorate=Electorate(size=data["electorate"]["size"], active=data["electorate"]["active"]),
        rounds=tuple(
            Round(
                number=r["number"],
                counts={option: votes for option, votes in r["counts"]},
                exhausted=r["exhausted"],
                eliminated=tuple(r["eliminated"]),
                elected=r["elected"],
            )
            for r in data["rounds"]
        ),
        winner=data["winner"],
        tie_breaks=tuple(
            TieBreak(
                seed=t["seed"],
                tied=tuple(t["tied"]),
                order=tuple(t["order"]),
                chosen=t["chosen"],
                purpose=t["purpose"],
                round=t["round"],
            )
            for t in data["tie_breaks"]
        ),
        labels={option: label for option, label in data["labels"]},
    )


BALLOTS_CSV_HEADER = ["ballot", "choice", "content"]


def ballots_csv(rows: Iterable[tuple[str, str, Any]]) -> str:
    """The published ballots of a secret vote as CSV, one ``(id, choice, content)`` row per
    ballot: ``choice`` is for / against / abstain, or ``ballot`` with ``content`` the
    approvals, ranking or scores as JSON. No voter: there is none to write."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BALLOTS_CSV_HEADER)
    for ballot_id, choice, content in rows:
        writer.writerow([ballot_id, choice, "" if content is None else json.dumps(content)])
    return out.getvalue()


def read_ballots_csv(text: str) -> list[tuple[str, str, Any]]:
    """The rows ``ballots_csv`` wrote, to recount them."""
    reader = csv.reader(io.StringIO(text))
    if next(reader, None) != BALLOTS_CSV_HEADER:
        raise ValueError("Not a ballots CSV: the first row must be " + ",".join(BALLOTS_CSV_HEADER))
    return [(row[0], row[1], json.loads(row[2]) if row[2] else None) for row in reader]
