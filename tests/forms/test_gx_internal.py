"""The GX internals ``gx_internal`` relies on are still there, and give GX's public answers."""

from __future__ import annotations

from test_validation import good_and_five_broken

from campaign_ops.forms import gx_internal
from campaign_ops.forms.parser import parse_file
from campaign_ops.forms.validate import validate_batch


def test_gx_still_has_the_internals_the_adapter_uses():
    """Fails after a GX upgrade that removed ``v1_validator.Validator`` or made
    ``Expectation.configuration`` something else: validation then silently takes the slower
    public way, so re-measure (bench/RESULTS.md) and adapt or drop ``gx_internal``."""
    assert gx_internal.uses_internals()


def test_without_the_internals_the_public_way_finds_the_same(fill, monkeypatch):
    """Were GX's validator gone, each ``validate`` would build its batch the public way:
    the same findings on every file, good or broken."""
    subs = [parse_file(p) for p in good_and_five_broken(fill)]

    def findings():
        return [[f.to_dict() for f in r.errors + r.warnings] for r in validate_batch(subs)]

    ours = findings()
    monkeypatch.setattr(gx_internal, "_new_validator", lambda *_: None)
    assert findings() == ours
    assert sum(1 for f in ours if f) == 5 and sum(len(f) for f in ours) >= 8
