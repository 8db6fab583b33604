"""Shared agents for the conversation scenarios."""

from __future__ import annotations

from vocalis import Agent, function_tool

LONG_ANSWER = (
    "Our menu has fresh pasta, wood fired pizza and a daily fish special. "
    "For dessert we serve tiramisu, panna cotta and three kinds of gelato. "
    "Everything is made in house every morning by our chefs."
)


class Greeter(Agent):
    """Greets on entry; has a weather and a booking tool."""

    def __init__(self, greeting: str | None = "Hello! How can I help?", **kwargs):
        super().__init__(instructions="You are a helpful voice assistant.", **kwargs)
        self.greeting = greeting
        self.bookings: list[str] = []

    async def on_enter(self) -> None:
        if self.greeting:
            await self.session.say(self.greeting)

    @function_tool
    async def get_weather(self, city: str) -> str:
        """Get the weather for a city."""
        return f"Sunny and 21 degrees in {city}"

    @function_tool
    async def book_table(self, name: str, people: int) -> str:
        """Book a table."""
        self.bookings.append(f"{name}:{people}")
        return f"Booked a table for {people} under {name}"


