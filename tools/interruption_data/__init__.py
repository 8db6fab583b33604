"""The interruption corpus: voices, sounds, transport paths, and the script that generates it."""
