"""The shipped device catalog: one TOML per device (installed as ``advisor.profiles``)."""
