"""Role-drift detection for simulated-user turns: phrase rules (:mod:`.rules`), a learned model on the
bundled MiniLM (:mod:`.adapter`), the labelled turns it is fitted and measured on (:mod:`.labelled`), and
the detector that combines rules and model (:mod:`.detector`)."""

from isetrace.drift.detector import DriftDetector, make_drift_detector, require_drift_detector
from isetrace.drift.rules import DRIFT_KINDS, DriftFinding, DriftVerdict, detect_drift

__all__ = ["DRIFT_KINDS", "DriftDetector", "DriftFinding", "DriftVerdict", "detect_drift",
           "make_drift_detector", "require_drift_detector"]
