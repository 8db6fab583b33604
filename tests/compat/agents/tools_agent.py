"""Function tools, as the reference's examples write them: decorated methods, a tool passed in
``tools=[...]``, a sync tool, and a tool that says "one moment" while it works."""

from videosdk.agents import Agent, function_tool


@function_tool
async def get_time(city: str) -> dict:
    """Get the local time in a city.

    Args:
        city: The city name.
    """
    return {"city": city, "time": "10:30"}


class AssistantAgent(Agent):
    def __init__(self):
        super().__init__(
            instructions="You are a helpful voice assistant with tools.",
            tools=[get_time],
        )

    async def on_enter(self) -> None:
        await self.session.say("Hello! How can I help you today?")

    async def on_exit(self) -> None:
        await self.session.say("Goodbye!")

    @function_tool
    async def get_weather(self, latitude: str, longitude: str) -> dict:
        """Get the weather at a location.

        Args:
            latitude: Latitude.
            longitude: Longitude.
        """
        await self.session.say("Let me check the weather for you.")
        return {"temperature": 21, "unit": "C"}

    @function_tool(name="add_numbers")
    def add(self, a: int, b: int) -> int:
        """Add two numbers."""
        return a + b
