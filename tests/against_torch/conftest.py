"""These tests reuse the helpers of tests/package (its cases, samples and recorded data)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "package"))
