"""``chengyu info``: dataset, vintage, sources and licence of the bundled data."""

from __future__ import annotations

import json

import click

from chengyu.cli import options
from chengyu.geo import dataset_info, load_plan


@click.command()
@options.output_format(["text", "json"], "text")
def info(fmt: str) -> None:
    """Dataset, vintage, sources and licence of the bundled data."""
    plan = load_plan()
    doc = {
        "dataset": dataset_info(),
        "plan": {
            "file": plan.path.name,
            "economic_circle": plan.get("economic_circle.plan_en"),
            "science_city": plan.get("science_city.name_en"),
            "attribute_sources": "shared/plan-facts.md (every figure carries its own source and confidence)",
        },
    }
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    width = max(len(k) for k in doc["dataset"])
    click.echo("Boundaries (shapes/districts.geojson)")
    for key, value in doc["dataset"].items():
        click.echo(f"  {key:<{width}}  {value}")
    click.echo("Plan attributes (shapes/plan.toml)")
    for key, value in doc["plan"].items():
        click.echo(f"  {key:<{width}}  {value}")
