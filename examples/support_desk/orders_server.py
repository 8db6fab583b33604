"""The support desk's order system as an MCP server (official SDK, stdio): order status and
support tickets. ``python orders_server.py`` speaks MCP on stdin/stdout.

Orders come from ``orders.json`` beside this file; tickets are appended to the JSON file named
by ``SUPPORT_DESK_TICKETS`` (default ``~/.vocalis/support-desk-tickets.json``).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

ORDERS = json.loads(Path(__file__).with_name("orders.json").read_text())
TICKETS = Path(os.environ.get("SUPPORT_DESK_TICKETS", "~/.vocalis/support-desk-tickets.json"))

server = MCPServer("northwind-orders", instructions="Northwind Home orders and support tickets.")


@server.tool()
def order_status(order_number: str) -> str:
    """Where an order is: its item, status, carrier and expected delivery."""
    order = ORDERS.get(order_number.strip().lstrip("#"))
    if order is None:
        raise ToolError(f"There is no order number {order_number}. Order numbers have 4 digits.")
    if order["status"] == "shipped":
        return f"Order {order_number} ({order['item']}) shipped with {order['carrier']}; it arrives {order['eta']}."
    if order["status"] == "delivered":
        return f"Order {order_number} ({order['item']}) was delivered {order['delivered_days_ago']} days ago by {order['carrier']}."
    return f"Order {order_number} ({order['item']}) is being prepared; it ships {order['eta']}."


@server.tool()
def open_ticket(summary: str, phone: str = "") -> str:
    """Open a support ticket so a technician calls the customer back."""
    path = TICKETS.expanduser()
    tickets = json.loads(path.read_text()) if path.is_file() else []
    number = f"T-{1000 + len(tickets) + 1}"
    tickets.append({"number": number, "summary": summary, "phone": phone,
                    "opened_at": datetime.now().isoformat(timespec="seconds")})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tickets, indent=2))
    return f"Ticket {number} is open; a technician will call back within one working day."


if __name__ == "__main__":
    server.run()
