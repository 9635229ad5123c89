from cluetrain.web.dashboard.formats import duration, percent, score, time_tag


def test_compliance_reads_as_a_percentage_with_one_decimal():
    assert percent(0.679) == "67.9%"
    assert percent(19 / 28) == "67.9%"
    assert percent(1.0) == "100.0%"
    assert percent(None) == "–"


def test_durations():
    assert [duration(s) for s in (0, 59, 60, 3599, 3600, 3900, 90000, -300, None)] == \
        ["0 s", "59 s", "1 min", "59 min", "1 h 00 min", "1 h 05 min", "1 d 1 h", "5 min", "–"]


def test_instants_carry_utc_in_the_markup_and_the_hover_title():
    assert time_tag(1509537600) == ('<time datetime="2017-11-01T12:00:00Z" title="2017-11-01 12:00:00 UTC">'
                                    '2017-11-01 12:00:00 UTC</time>')
    assert score(-0.0873) == "-0.09" and score(0.1) == "+0.10"
