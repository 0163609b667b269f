"""Path settings left unset default to a fixed name under CONFIG_DIR or DATA_DIR."""

from pathlib import Path

import pytest

from common.settings import Settings


@pytest.mark.parametrize(
    ("attribute", "field", "default"),
    [
        ("resolved_sources_file", "sources_file", Path("cfg/sources.yaml")),
        ("resolved_rules_dir", "rules_dir", Path("cfg/rules")),
        ("resolved_alerts_file", "alerts_file", Path("cfg/alerts.yaml")),
        ("resolved_outbox_dir", "outbox_dir", Path("dat/outbox")),
    ],
)
def test_a_path_setting_is_its_value_or_its_default(
    attribute: str, field: str, default: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(f"NEWSWATCH_{field.upper()}", raising=False)
    unset = Settings(config_dir=Path("cfg"), data_dir=Path("dat"))
    assert getattr(unset, attribute) == default
    given = Settings(config_dir=Path("cfg"), data_dir=Path("dat"), **{field: Path("/elsewhere/x")})
    assert getattr(given, attribute) == Path("/elsewhere/x")
    assert attribute not in Settings.model_fields  # derived, not a setting of its own
