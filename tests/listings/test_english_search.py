"""Listings keep the language they were written in; an English search term finds English text."""

import pytest

from tests.search.conftest import corpus  # noqa: F401 - the fixture the tests use
from tests.search.factories import make_result
from tests.search.helpers import found


@pytest.mark.usefixtures("corpus")
def test_an_english_listing_is_found_by_an_english_term():
    english = make_result(
        title="Solid-state battery electrolyte coating",
        abstract="A ceramic coating that keeps lithium dendrites from crossing the separator.",
        keywords=["Electrolyte", "Dendrite suppression"],
    )
    assert ("result", english.id) in found("electrolyte")
    assert ("result", english.id) in found("Dendrites")
    assert ("result", english.id) in found("ceramic coating")


@pytest.mark.usefixtures("corpus")
def test_an_english_keyword_in_chinese_text_is_found():
    mixed = make_result(
        title="自动驾驶环境感知系统",
        abstract="融合LiDAR点云与摄像头图像，实现城市道路的障碍物检测。",
        keywords=["LiDAR", "多传感器融合"],
    )
    assert ("result", mixed.id) in found("LiDAR")
    assert ("result", mixed.id) in found("lidar")
