"""The IPC subclass titles come from the shipped WIPO table and are never guessed."""

import csv

import pytest

from marketplace.common import ipc_titles
from marketplace.common.ipc_titles import class_title, subclass_title


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (
            "H01M",
            "Processes or means, e.g. batteries, for the direct conversion of chemical energy into electrical energy",
        ),
        (
            "h01m 10/0525",
            "Processes or means, e.g. batteries, for the direct conversion of chemical energy into electrical energy",
        ),
        (
            "H01M 10/0525 (2006.01)",
            "Processes or means, e.g. batteries, for the direct conversion of chemical energy into electrical energy",
        ),
        ("Ｇ０６Ｆ　３/０１", "Electric digital data processing"),
        (
            "B33Y 10/00",
            "Additive manufacturing, i.e. manufacturing of three-dimensional [3D] objects by additive deposition, additive agglomeration or additive layering, e.g. by 3D printing, stereolithography or selective laser sintering",
        ),
    ],
)
def test_subclass_title_accepts_the_forms_the_normaliser_accepts(code, title):
    assert subclass_title(code) == title


@pytest.mark.parametrize("code", ["", None, "H01", "Z99Z", "not a code", "H01M 0/00", "G06V 10/00"])
def test_no_title_for_a_malformed_code_or_one_the_table_lacks(code):
    assert subclass_title(code) is None


def test_class_titles():
    assert class_title("G06F 3/01") == "Computing; calculating; counting"
    assert class_title("Q12") is None


def test_the_table_names_its_sources_and_licence_and_covers_every_section():
    text = ipc_titles.DATA_FILE.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("MIT licence" in line for line in header)
    assert any("wipo.int" in line for line in header)
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    subclasses = [row["code"] for row in rows if len(row["code"]) == 4]
    assert len(subclasses) > 600
    assert {code[0] for code in subclasses} == set("ABCDEFGH")
    assert all(row["title"] and row["edition"].startswith("IPC-") for row in rows)
