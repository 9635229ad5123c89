from cluetrain.web.dashboard.conversation import place_turns, writer_of


def message(event_id, author, role, at, in_reply_to=None):
    return {"event_id": event_id, "author_id": author, "author_role": role, "created_at": at,
            "in_reply_to": in_reply_to}


def test_writers_customer_brand_employee_and_peer():
    messages = [message("m", "ann", "customer", 0), message("r1", "bob", "customer", 1, "m"),
                message("r2", "ann", "customer", 2, "m"), message("r3", "acme", "brand", 3, "r2"),
                message("r4", "acme/Jo", "employee", 4, "m")]
    authors = {m["event_id"]: (m["author_id"], m["author_role"]) for m in messages}
    assert [writer_of(m, authors) for m in messages] == ["customer", "peer", "customer", "brand", "employee"]


def test_turns_open_at_their_first_customer_message_and_end_at_their_answer():
    messages = [message("m", "ann", "customer", 0), message("c2", "ann", "customer", 5, "m"),
                message("a", "acme", "brand", 10, "c2"), message("c3", "ann", "customer", 20, "a")]
    for m, writer in zip(messages, ("customer", "customer", "brand", "customer")):
        m["writer"] = writer
    turns = [{"turn_index": 1, "started_at": 20, "answered_at": None, "responder_id": ""},
             {"turn_index": 0, "started_at": 0, "answered_at": 10, "responder_id": "acme"}]
    place_turns(messages, turns)
    assert [m.get("opens_turn", {}).get("turn_index") for m in messages] == [0, None, None, 1]
    assert [m.get("answers_turn", {}).get("turn_index") for m in messages] == [None, None, 0, None]
