import threading

from vocalis.utils.model_cache import loaded_models, models_loading, shared_model, unload_model


def test_loader_runs_once_across_threads():
    calls = []
    gate = threading.Barrier(8)

    def loader():
        calls.append(1)
        return object()

    results = []

    def worker():
        gate.wait()
        results.append(shared_model("test-model", loader))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r is results[0] for r in results)
    assert "test-model" in loaded_models()
    unload_model("test-model")
    assert "test-model" not in loaded_models()


def test_models_loading_is_true_only_while_a_loader_runs():
    seen: list[bool] = []

    def loader() -> object:
        seen.append(models_loading())
        return object()

    assert not models_loading()
    shared_model("test:loading-flag", loader)
    assert seen == [True] and not models_loading()
    unload_model("test:loading-flag")
