"""Timeline: the claims over time, by claimant or by source.

Drag across the bars to pick a date range: it becomes the shared date filter (the sidebar's From
and To, ``?from=&to=`` in the URL), which every page then honours. The chart shows the claims of
the other filters (source, claimant, kind, disputed, place search) over the whole period, the
picked range shaded; the table below is the range's. Claims are attributed statements, plotted at
the date they are about, never facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from geo import app
from geo.layers.timeline import fit_domain
from geo.mapping.styles import claimant_color
from geo.text.corpus import EARLIEST_PUBLISHED

version = app.start_data_page()
claims = app.load_claims(version)

st.title("Timeline")
st.caption("How many claims each claimant (or source) made about each day, by the date the claim is about "
           "(resolved against the article's publication date). " + app.ATTRIBUTION_NOTE)
view = app.view_filters(app.TIMELINE_URL_PATH)
rng = (view.date_from, view.date_to) if view.date_from or view.date_to else None
_, in_view = app.view_data(version, view)  # every filter
_, undated_view = app.view_data(version, view.with_changes(date_from=None, date_to=None))  # all but the dates

CHART_KEY = "timeline_chart"

st.text(f"{len(in_view)} of {len(claims)} claims" + (" match the filters." if view.has_filters else ".")
        + (f" The chart shows the whole period ({len(undated_view)} claims), the date range shaded." if rng else ""))
dated = undated_view.loc[undated_view["date"].notna()].copy()
if dated.empty:
    if claims["date"].notna().any():
        app.empty_view(view, "timeline")
    else:
        st.info("No dated claim in the store yet.")
    app.stop_page()
#: Days the chart can show: a claim dated outside (a typo, or hostile data such as 9999-12-31 written
#: into a store) is left off and counted below, never a crash (date arithmetic overflows at year 9999).
CHART_FIRST, CHART_LAST = EARLIEST_PUBLISHED, date(date.today().year + 100, 12, 31)


def _on_chart(days: pd.Series) -> pd.Series:
    """Which ISO day strings are real dates the chart can show."""
    parsed = days.map(_iso_day)
    return parsed.map(lambda d: d is not None and CHART_FIRST <= d <= CHART_LAST).astype(bool)


def _iso_day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


dated["day"] = dated["date"].astype(str).str.slice(0, 10)
off_chart = int((~_on_chart(dated["day"])).sum())
dated = dated.loc[_on_chart(dated["day"])]
if dated.empty:
    st.warning(f"{off_chart} claims have dates outside {CHART_FIRST} to {CHART_LAST} and are not on the timeline.")
    app.stop_page()
claim_days = [date.fromisoformat(d) for d in dated["day"]]


def _as_day(value: object) -> date | None:
    """A brush end as a date: Vega-Lite sends epoch milliseconds (UTC time units here)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _on_brush() -> None:
    state = st.session_state.get(CHART_KEY) or {}
    brush = (state.get("selection") or {}).get("brush") or {}
    values = next((v for v in brush.values() if isinstance(v, list | tuple) and len(v) == 2), None)
    if not values:
        return  # a cleared brush keeps the range: "Clear" forgets it
    lo, hi = _as_day(min(values)), _as_day(max(values))
    if lo and hi:
        if isinstance(max(values), int | float) and datetime.fromtimestamp(max(values) / 1000, tz=UTC).time() == \
                datetime.min.time() and hi > lo:
            hi -= timedelta(days=1)  # the brush ends at the start of a day's bar: that day is out
        app.set_date_range(lo, hi)  # ordered; the sidebar's From/To and the URL follow


controls = st.columns([2, 2, 3, 2], vertical_alignment="bottom")
group_by = controls[0].radio("Group by", ["Claimant", "Source"], horizontal=True, key="timeline_group")
whole = controls[1].radio("Axis", ["Fit the claims", "Whole period"], horizontal=True, key="timeline_axis",
                          help="Fit the claims: the span holding most of them (or the picked date range, with a "
                               "margin). Whole period: every dated claim, outliers included.") == "Whole period"
# The axis fits where the claims are (geo.layers.timeline): one claim years away no longer squeezes
# the others into slivers, and a picked range fills the chart. Claims left out are noted below.
domain = fit_domain(claim_days, rng[0] if rng else None, rng[1] if rng else None, whole=whole)
assert domain is not None  # dated is not empty
lo_bound, hi_bound = max(domain.first, CHART_FIRST), min(domain.last, CHART_LAST)
controls[3].button("Clear date filter", key="timeline_clear", on_click=app.set_date_range, args=(None, None),
                   disabled=rng is None)
if rng:
    controls[2].info(f"Date filter: {rng[0] or '…'} – {rng[1] or '…'}. Every page shows this range.")
else:
    controls[2].caption("Drag across the bars to pick a date range (or set From and To in the sidebar).")

field = "claimant" if group_by == "Claimant" else "source"
dated["group"] = dated[field].fillna("unknown").astype(str)
counts = (dated.groupby(["day", "group"], sort=True)
          .agg(claims=("claim_id", "size"), disputed=("disputed", "sum"))
          .reset_index())
groups = counts.groupby("group")["claims"].sum().sort_values(ascending=False).index.tolist()
if field == "claimant":
    colour = alt.Color("group:N", title="Claimant", sort=groups, legend=alt.Legend(orient="top", labelLimit=260),
                       scale=alt.Scale(domain=groups, range=[claimant_color(g) for g in groups]))
else:
    colour = alt.Color("group:N", title="Source", sort=groups, legend=alt.Legend(orient="top", labelLimit=260),
                       scale=alt.Scale(scheme="tableau10"))
Y_AXIS = 200  # pixels left of both charts' plots, so their date axes line up
x_scale = alt.Scale(domain=[datetime.combine(lo_bound - timedelta(days=1), datetime.min.time()).isoformat() + "Z",
                            datetime.combine(hi_bound + timedelta(days=2), datetime.min.time()).isoformat() + "Z"])
x = alt.X("utcyearmonthdate(day):T", title="Date the claim is about", scale=x_scale, bandPosition=0.5,
          axis=alt.Axis(format="%d %b %Y", labelAngle=0))
tooltip = [alt.Tooltip("utcyearmonthdate(day):T", title="Date", format="%Y-%m-%d"),
           alt.Tooltip("group:N", title=group_by), alt.Tooltip("claims:Q", title="Claims"),
           alt.Tooltip("disputed:Q", title="Disputed")]
brush = alt.selection_interval(encodings=["x"], name="brush")
on_axis = counts.loc[(counts["day"] >= lo_bound.isoformat()) & (counts["day"] <= hi_bound.isoformat())]
bars = (alt.Chart(on_axis).mark_bar(clip=True)
        .encode(x=x, y=alt.Y("sum(claims):Q", title="Claims", axis=alt.Axis(minExtent=Y_AXIS - 20)), color=colour,
                tooltip=tooltip)
        .add_params(brush))
top_layers = [bars]
if rng:
    band = pd.DataFrame({"start": [max(rng[0] or lo_bound, CHART_FIRST).isoformat()],
                         "end": [(min(rng[1] or hi_bound, CHART_LAST) + timedelta(days=1)).isoformat()]})
    top_layers.insert(0, alt.Chart(band).mark_rect(color="#f1c40f", opacity=0.25, clip=True)
                      .encode(x=alt.X("start:T", scale=x_scale), x2="end:T"))
top = alt.layer(*top_layers).properties(title="Claims per day: drag across the bars to pick a range")
st.altair_chart(top, key=CHART_KEY, on_select=_on_brush, selection_mode="brush", width="stretch", height=300)

size = alt.Size("claims:Q", title="Claims", scale=alt.Scale(range=[40, 500]), legend=None)
y = alt.Y("group:N", title=None, sort=groups, axis=alt.Axis(labelLimit=Y_AXIS - 10, minExtent=Y_AXIS))
dots = alt.Chart(on_axis).mark_circle(opacity=0.85).encode(x=x, y=y, size=size, color=colour.legend(None),
                                                           tooltip=tooltip)
rings = (alt.Chart(on_axis).transform_filter(alt.datum.disputed > 0)
         .mark_circle(filled=False, color="#d62728", strokeWidth=2.5, opacity=1)
         .encode(x=x, y=y, size=size, tooltip=tooltip))
rows = alt.layer(dots, rings).properties(title=f"By {group_by.lower()}: circle size = claims, red ring = some disputed")
st.altair_chart(rows, width="stretch", height=90 + 32 * len(groups))
if domain.outside and rng:
    st.caption(f"The axis shows the picked date range; {domain.outside} "
               + ("claims of the other filters are" if domain.outside > 1 else "claim of the other filters is")
               + " outside it (clear the date filter, or choose the whole period, to see them).")
elif domain.outside:
    left_out = dated.loc[(dated["day"] < lo_bound.isoformat()) | (dated["day"] > hi_bound.isoformat())]
    st.warning((f"{domain.outside} claims are" if domain.outside > 1 else "1 claim is")
               + f" dated outside the axis ({lo_bound} to {hi_bound}): "
               + ("choose the whole period above, or " if not whole else "")
               + "read them here.")
    with st.expander(f"Claims outside the axis ({len(left_out)})"):
        st.dataframe(left_out.assign(link=[app.claim_link(c, view) for c in left_out["claim_id"]]),
                     hide_index=True, width="stretch", key="timeline_outside",
                     column_order=["day", "claimant", "source", "text", "link"],
                     column_config={"day": "Date", "claimant": "Claimant", "source": "Source",
                                    "text": st.column_config.TextColumn("Claim (verbatim)", width="large"),
                                    "link": st.column_config.LinkColumn("Details", display_text="open")})
undated = len(undated_view) - len(dated) - off_chart
if undated:
    st.caption(f"{undated} undated claims are not on the timeline.")
if off_chart:
    st.caption(f"{off_chart} claims dated outside {CHART_FIRST} to {CHART_LAST} are not on the timeline "
               "(they are in the table below).")

st.subheader("In the range" if rng else ("Matching claims" if view.has_filters else "All claims"))
picked = in_view
if picked.empty:
    app.empty_view(view, "timeline_table")
summary = (picked.assign(group=picked[field].fillna("unknown"))
           .groupby("group").agg(claims=("claim_id", "size"), disputed=("disputed", "sum"),
                                 first=("date", "min"), last=("date", "max"))
           .reset_index().sort_values("claims", ascending=False))
st.dataframe(summary, hide_index=True, width="stretch",
             column_config={"group": group_by, "claims": st.column_config.NumberColumn("Claims"),
                            "disputed": st.column_config.NumberColumn("Disputed"), "first": "First date",
                            "last": "Last date"})
app.page_link("pages/claims.py", "Claims: read them, with these filters", icon=":material/format_quote:")
app.page_link("pages/map.py", "Map: where they are, with these filters", icon=":material/map:")
