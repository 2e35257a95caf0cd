"""Stage S: the simulated user, the tool-using agent, and the episode loop that joins them."""

from __future__ import annotations
