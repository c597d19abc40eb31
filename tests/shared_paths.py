"""Where ../shared lives: beside the repository (CI and developer machines), or $FRONTLINES_SHARED."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FRONTLINES_SHARED", ROOT.parent / "shared"))
SEEDS = SHARED / "seeds"
SEED_GOLD = SHARED / "gold" / "seeds.gold.json"
FAKES = SHARED / "corpora" / "fakes" / "fakes.jsonl"
RESERVED = SHARED / "corpora" / "fakes" / "reserved_ids.txt"
