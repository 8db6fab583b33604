"""The operator's dashboard at ``/dashboard``: live calls with their state, a searchable call
history, one call's timeline (who spoke when, interruptions, tool calls, per-stage latency
bars) and latency percentiles across calls.

A dependency-free page (``page/``: HTML, JS and CSS, inlined into one response so the access
token in its URL is the only credential) over a small JSON API (``api``), installed on the
agent server like any transport: ``dashboard_routes(observers)``; on the front of
``vocalis start``, ``front_dashboard_routes`` (``front``).
"""

from .api import DashboardAPI, dashboard_routes
from .front import front_dashboard_routes

__all__ = ["DashboardAPI", "dashboard_routes", "front_dashboard_routes"]
