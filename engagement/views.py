"""A community's health (its stage, why, what would move it, plots over time) and a
member's own relationships. Health is shown per community, never as a ranking of people:
no page here lists other members by any figure."""

import csv
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from community.permissions import access_community, community_context
from engagement import health as engagement
from engagement import relationships, snapshots
from engagement.models import EngagementSnapshot
from engagement.plots import Series, line_chart


@dataclass
class Chart:
    key: str
    title: str
    caption: str
    svg: str
    columns: list[str]
    rows: list[tuple]


def _shown(value, percent=False) -> str:
    if value is None:
        return "–"
    if percent:
        return f"{value:.0f} %"
    return str(value)


def _duration(seconds: int | None) -> str:
    """A wait in words, rounded to the unit that matters: minutes, hours or days."""
    if seconds is None:
        return ""
    minutes = round(seconds / 60)
    if minutes < 60:
        return ngettext("%(n)s minute", "%(n)s minutes", max(minutes, 1)) % {"n": max(minutes, 1)}
    hours = round(seconds / 3600)
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    days = round(seconds / 86400)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}


def _charts(history: list[EngagementSnapshot]) -> list[Chart]:
    days = [s.day for s in history]

    def series(name, values):
        return Series(name, list(zip(days, values, strict=True)))

    active = [s.active_members for s in history]
    rels = [s.relationships for s in history]
    conns = [s.connections for s in history]
    recip = [snapshots.reciprocity_percent(s) for s in history]
    turnout = [
        snapshots.turnout_percent(votes_cast=s.votes_cast, electorate=s.electorate) for s in history
    ]
    specs = [
        (
            "active",
            _("Active members"),
            _("Members who posted, replied or voted in the previous %(n)s days.")
            % {"n": engagement.ACTIVE_DAYS_SHOWN},
            [series(_("Active members"), active)],
            False,
            [active],
        ),
        (
            "relationships",
            _("Relationships and connections"),
            _(
                "Pairs of members who replied to each other (relationships) and pairs where "
                "only one replied (connections), over %(n)s days."
            )
            % {"n": engagement.WINDOW_DAYS},
            [series(_("Relationships"), rels), series(_("Connections"), conns)],
            False,
            [rels, conns],
        ),
        (
            "reciprocity",
            _("Reciprocity"),
            _("The share of reply pairs that are two-way."),
            [series(_("Reciprocity"), recip)],
            True,
            [recip],
        ),
        (
            "turnout",
            _("Turnout in votes"),
            _("Votes cast over electorate, for proposals closed in the previous %(n)s days.")
            % {"n": engagement.WINDOW_DAYS},
            [series(_("Turnout"), turnout)],
            True,
            [turnout],
        ),
    ]
    charts = []
    for key, title, caption, lines, percent, columns in specs:
        rows = [(day, *(_shown(col[i], percent) for col in columns)) for i, day in enumerate(days)]
        charts.append(
            Chart(
                key=key,
                title=title,
                caption=caption,
                svg=line_chart(title=title, series=lines, percent=percent, chart_id=key),
                columns=[_("Day"), *(s.name for s in lines)],
                rows=list(reversed(rows)),  # newest first in the table
            )
        )
    return charts


def _figures_title(day) -> str:
    """Snapshots are taken each night for the day before: say which day the figures are."""
    today = timezone.localdate()
    if day == today:
        return _("Today’s figures")
    if day == today - timedelta(days=1):
        return _("Figures as of yesterday")
    return _("Figures as of %(day)s") % {"day": date_format(day, "j F Y")}


def _figures_context(history: list[EngagementSnapshot]) -> dict:
    """What the health page shows of the latest snapshot and the plots of all of them."""
    if not history:
        return {}
    latest = history[-1]
    figures = snapshots.health_figures(latest)
    return {
        "latest": latest,
        "figures_title": _figures_title(latest.day),
        "stage": engagement.stage(figures).value,
        "explanation": engagement.explain(figures),
        "conditions": engagement.conditions(figures),
        "next_steps": engagement.next_steps(figures),
        "turnout": snapshots.turnout_percent(
            votes_cast=latest.votes_cast, electorate=latest.electorate
        ),
        "reciprocity": snapshots.reciprocity_percent(latest),
        "first_reply_wait": _duration(latest.median_first_reply_seconds),
        "charts": _charts(history),
        "window_days": engagement.WINDOW_DAYS,
        "active_days": engagement.ACTIVE_DAYS_SHOWN,
    }


@require_GET
def health(request, slug):
    community = access_community(request.user, slug)
    history = snapshots.history(community=community)
    context = {"community": community, **community_context(request.user, community)}
    context |= _figures_context(history)
    return render(request, "engagement/health.html", context)


CSV_COLUMNS = ["day", *snapshots.FIGURE_FIELDS, "reciprocity_percent", "turnout_percent"]


def _csv_row(snap: EngagementSnapshot) -> list:
    recip = snapshots.reciprocity_percent(snap)
    turnout = snapshots.turnout_percent(votes_cast=snap.votes_cast, electorate=snap.electorate)
    return [
        snap.day.isoformat(),
        *(getattr(snap, name) for name in snapshots.FIGURE_FIELDS),
        "" if recip is None else f"{recip:.1f}",
        "" if turnout is None else f"{turnout:.1f}",
    ]


@require_GET
def health_csv(request, slug):
    community = access_community(request.user, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{community.slug}-health.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for snap in EngagementSnapshot.objects.filter(community=community).order_by("day"):
        writer.writerow(_csv_row(snap))
    return response


@login_required
@require_GET
def my_relationships(request, username):
    """Only the person themself sees their relationships; anyone else gets a 404."""
    if request.user.username != username:
        raise Http404("No such page")
    return render(
        request,
        "engagement/relationships.html",
        {
            "groups": relationships.of_user(request.user),
            "updated_until": relationships.watermark_until(),
            "window_days": engagement.WINDOW_DAYS,
        },
    )
