"""Local turn detector: predicts end of turn from the transcript, no download, no PyTorch."""

from .detector import TurnDetector, TurnModel


def pre_download_model() -> None:
    """The reference downloads its model here (its scripts call it at import time). Vocalis's
    model ships inside this package: nothing to download, this checks that it loads."""
    TurnModel.load()


__all__ = ["TurnDetector", "TurnModel", "pre_download_model"]
