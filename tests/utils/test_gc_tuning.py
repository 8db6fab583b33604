import gc

from vocalis.utils.gc_tuning import YOUNG_THRESHOLD, tune_gc_for_realtime


def test_tuning_freezes_survivors_and_spaces_collections_out():
    before = gc.get_threshold()
    try:
        tune_gc_for_realtime()
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
