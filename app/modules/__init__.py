"""The toolbox module catalogue."""
