"""Recipes: a checked-in JSON file gives exactly the TrainConfig it says, and typos are refused."""

import json
from pathlib import Path

import pytest

from core.errors import TrainingError
from core.training.recipe import config_from_recipe

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_recipe_reads_into_a_config(tmp_path):
    cfg = config_from_recipe(ROOT / "scripts" / "recipes" / "default-frame.json", tmp_path, out=str(tmp_path / "o"))
    assert cfg.arch == "efficientnet_lite0" and cfg.out == str(tmp_path / "o")
    assert cfg.epoch_samples == 3200 and cfg.pair_self_blends
    assert dict(cfg.data.split_roots) == {"train": str(tmp_path / "train"), "validation": str(tmp_path / "validation")}
    assert cfg.data.self_blend and cfg.data.self_blend_config.warp == 0.06
    assert cfg.data.self_blend_config.downscale == (0.3, 0.9)
    assert cfg.data.self_blend_config.hulls == ("mesh", "inner", "inner", "five")
    assert cfg.augment.jpeg_quality == (30, 95) and cfg.augment.flip  # unnamed switches keep their defaults
    assert dict(cfg.params) == {"dropout": 0.3, "drop_connect": 0.2}


def test_unknown_keys_are_refused_where_they_are(tmp_path):
    bad = tmp_path / "r.json"
    bad.write_text(json.dumps({"arch": "simple_cnn", "epocs": 3}))
    with pytest.raises(TrainingError, match="top level has unknown keys: epocs"):
        config_from_recipe(bad, tmp_path)
    bad.write_text(json.dumps({"arch": "simple_cnn", "data": {"self_blend_config": {"wrap": 1}}}))
    with pytest.raises(TrainingError, match="self_blend_config has unknown keys: wrap"):
        config_from_recipe(bad, tmp_path)
    bad.write_text(json.dumps({"arch": "simple_cnn", "data": {"self_blend_config": {"hulls": ["jaw"]}}}))
    with pytest.raises(TrainingError, match="self_blend_config: self-blend hulls: jaw; known: mesh, inner, five"):
        config_from_recipe(bad, tmp_path)
    bad.write_text("[1]")
    with pytest.raises(TrainingError, match="not a JSON object"):
        config_from_recipe(bad, tmp_path)


@pytest.mark.parametrize("recipe", sorted((ROOT / "scripts" / "recipes").glob("*.json")), ids=lambda p: p.stem)
def test_every_checked_in_recipe_names_a_known_architecture_with_parameters_it_takes(recipe, tmp_path):
    import inspect

    from core.models import registry

    cfg = config_from_recipe(recipe, tmp_path)
    arch = registry.get(cfg.arch)
    takes = inspect.signature(arch.build).parameters
    assert {k for k, _ in cfg.params} <= set(takes), f"{recipe.name}: {cfg.arch} takes no {dict(cfg.params)}"
    assert 0 <= cfg.average_from <= cfg.epochs
    if cfg.init_from:  # a shipped bundle, or out/NAME made first by the checked-in recipe NAME.json
        start = Path(cfg.init_from)
        made_by = ROOT / "scripts" / "recipes" / f"{start.name}.json"
        assert (ROOT / start / "card.json").is_file() or (start.parts[0] == "out" and made_by.is_file()), \
            f"{recipe.name} starts from {start}, which no bundle or recipe here makes"


def test_the_command_line_repeats_a_recipe_with_another_seed_and_otherwise_keeps_its_own(tmp_path):
    from cli import build_parser
    from cli.train import config_from_args

    recipe = ROOT / "scripts" / "recipes" / "default-frame-two-sources.json"
    own = json.loads(recipe.read_text())["seed"]
    args = build_parser().parse_args(["train", str(tmp_path), "--recipe", str(recipe)])
    assert config_from_args(args).seed == own == 1
    args = build_parser().parse_args(["train", str(tmp_path), "--recipe", str(recipe), "--seed", "2"])
    cfg = config_from_args(args)
    assert cfg.seed == 2 and cfg.learning_rate == 0.0003 and cfg.monitor == "val_source_auc"
    assert config_from_args(build_parser().parse_args(["train", str(tmp_path), "--arch", "simple_cnn"])).seed == 0
