"""A client that stops reading costs bounded memory; control messages are never dropped."""

from vocalis.transports.websocket.outbound import OutboundQueue


def test_audio_beyond_the_bound_drops_the_oldest_and_counts_it():
    queue = OutboundQueue(max_audio=3)
    queue.put('{"type":"ready"}')
    for i in range(5):
        queue.put(bytes([i]), audio=True)
    queue.put('{"type":"agent_text"}')
    assert queue.pending_audio == 3 and queue.dropped_audio == 2
    sent = [queue.get() for _ in range(len(queue))]
    assert sent == ['{"type":"ready"}', bytes([2]), bytes([3]), bytes([4]), '{"type":"agent_text"}']
    assert queue.get() is None


def test_an_interruption_forgets_pending_audio_only():
    queue = OutboundQueue()
    queue.put(b"a", audio=True)
    queue.put("mark")
    queue.put(b"b", audio=True)
    assert queue.drop_audio() == 2
    assert [queue.get(), queue.get()] == ["mark", None]
