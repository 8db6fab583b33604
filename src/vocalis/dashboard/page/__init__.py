"""The dashboard page: index.html, dashboard.js and dashboard.css (inlined when served)."""
