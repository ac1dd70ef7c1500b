"""One conversion of a pydantic ValidationError into the one line a user reads."""

import pytest

from advisor.devices.profile import Constraints
from advisor.errors import AdvisorError, validated


def test_validated_returns_the_model_or_one_line_naming_the_field():
    assert validated(Constraints, {"min_accuracy": 0.5}, "constraints").min_accuracy == 0.5
    with pytest.raises(AdvisorError) as info:
        validated(Constraints, {"min_accuracy": 1.5, "max_memory": "lots"}, "constraints")
    message = str(info.value)
    assert message.startswith("constraints: field '") and "\n" not in message
    assert "(and 1 more problems)" in message
