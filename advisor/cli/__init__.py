"""The ``advisor`` command: parser, flags from the pydantic fields, what is printed."""
