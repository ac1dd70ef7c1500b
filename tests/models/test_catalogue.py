"""advisor models: the list and the README's table made from it."""

import re
from pathlib import Path

import pytest

from advisor.models.catalogue import markdown, rows

README = Path(__file__).parents[2] / "README.md"


@pytest.mark.slow  # builds every torchvision classifier on the meta device (~30 s on 2 cores)
def test_the_readme_model_table_is_advisor_models_markdown_and_45_cnns_are_supported():
    found = rows()
    supported = [r for r in found if r["refused"] is None]
    assert len(supported) >= 45
    assert {r["name"] for r in found if r["refused"]} >= {"vit_b_16", "swin_t", "maxvit_t"}
    shipped = {r["name"] for r in supported if r["evidence"]}
    assert "mobilenet_v3_small" in shipped
    table = re.search(r"<!-- models:begin -->\n(.*)<!-- models:end -->", README.read_text(),
                      re.S).group(1)
    assert table == markdown(found), "README's model table is stale: advisor models --markdown"
