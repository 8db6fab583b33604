"""The browser page (index.html, app.js, style.css): served at ``/`` by the WebRTC transport."""
