"""The floors: the bare version of each piece of work, run as its own process beside the real one."""
